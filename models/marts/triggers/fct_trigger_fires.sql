{#-
    One row per fire: a decided trigger step that goes out (treatment arm, not exited,
    suppressed, held out, dropped by quiet hours, capped or out-prioritised). Rebuilt in full
    each run from the loaded data; run_id and found_at are those of the run that first found it.
-#}
{{ journey.trigger_decided_rows('fired') }}
