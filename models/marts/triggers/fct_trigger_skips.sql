{#-
    One row per would-be fire that did not go out, with its reason (already_entered, exited,
    suppressed, global_control, holdout, quiet_hours, lower_priority, capped). Rebuilt in full
    each run from the loaded data; run_id and found_at are those of the run that first found it.
-#}
{{ journey.trigger_decided_rows('skipped', ['skip_reason']) }}
