{#-
    For every probe row, the unit_rank of the first target row at or after it in the same
    part (unit_id, held_key), in one window pass instead of a join of probes x targets.

    probe_sql and target_sql each select, in this order: unit_id, held_key, attempt_id,
    sort_at, sort_group, sort_rank, sort_tie, candidate_rank. Targets are events with
    (event_at, 1, unit_rank, 0) and candidate_rank = unit_rank; a probe sits at
      (T, 0, 0, 0)   at or after time T           (T, 2, 0, 0)   strictly after time T
      (t, 1, r, -1)  at or after event (t, r)     (t, 1, r, 1)   strictly after event (t, r)
    and carries candidate_rank null. Returns attempt_id, next_rank.
-#}
{% macro funnel_next_match_sql(probe_sql, target_sql) -%}
    select
        attempt_id,
        next_rank
    from (
        select
            attempt_id,
            min(candidate_rank) over (
                partition by unit_id, held_key
                order by sort_at, sort_group, sort_rank, sort_tie
                rows between current row and unbounded following
            ) as next_rank
        from (
            {{ probe_sql }}
            union all
            {{ target_sql }}
        ) as probes_and_targets
    ) as matched
    where attempt_id is not null
{%- endmacro %}
