{#-
    One row per conversion x touchpoint x heuristic model: the share of the conversion the
    model gives the touchpoint (shares of a conversion sum to 1) and that share of its revenue.
    Touchpoints are the conversion path's sessions, untransformed (repeats and loops kept).
    Time decay (half-life, 7 days by default) and position based (40/20/40) follow the rule-based
    models of Google Analytics / Google Ads ("About attribution models", Google Ads Help).
-#}
{%- set cfg = journey.attribution_config() -%}
{%- set direct_list = [] -%}
{%- for channel in cfg.direct_channels -%}{%- do direct_list.append("'" ~ channel ~ "'") -%}{%- endfor -%}
{%- set first_share = cfg.position_first -%}
{%- set last_share = cfg.position_last -%}
{%- set middle_share = 1 - first_share - last_share -%}

with touchpoints as (

    select * from {{ ref('fct_attribution_touchpoints') }}
    where path_type = 'conversion'

),

positioned as (

    select
        *,
        {{ journey.seconds_between('touchpoint_at', 'path_ended_at') }} as seconds_before_conversion,
        max(case when channel not in ({{ direct_list | join(', ') }}) then touchpoint_index end)
            over (partition by conversion_id) as last_non_direct_index
    from touchpoints

),

-- time decay: 2^(-t / half-life), taken relative to the latest touch (weight 1) so that old
-- touches cannot underflow every weight to zero; the normalisation removes the common factor
decayed as (

    select
        *,
        power(
            2,
            -1 * (
                seconds_before_conversion
                - min(seconds_before_conversion) over (partition by conversion_id)
            ) / {{ cfg.half_life_seconds }}
        ) as time_decay_weight
    from positioned

),

weighted as (

    select
        *,
        time_decay_weight / sum(time_decay_weight) over (partition by conversion_id) as time_decay_share
    from decayed

),

credits as (

    {% for model_name in cfg.heuristic_models -%}
        select
            *,
            '{{ model_name }}' as attribution_model,
            {% if model_name == 'first_touch' -%}
                case when touchpoint_index = 1 then 1 else 0 end
            {%- elif model_name == 'last_touch' -%}
                case when touchpoint_index = touchpoint_count then 1 else 0 end
            {%- elif model_name == 'last_non_direct' -%}
                -- all-direct paths: the last (direct) touch
                case when touchpoint_index = coalesce(last_non_direct_index, touchpoint_count) then 1 else 0 end
            {%- elif model_name == 'linear' -%}
                1.0 / touchpoint_count
            {%- elif model_name == 'time_decay' -%}
                time_decay_share
            {%- elif model_name == 'position_based' -%}
                -- U-shaped: one touch gets all; two split first + last + middle evenly (40/20/40 -> 50/50)
                case
                    when touchpoint_count = 1 then 1.0
                    when touchpoint_count = 2 and touchpoint_index = 1 then {{ first_share + middle_share / 2 }}
                    when touchpoint_count = 2 then {{ last_share + middle_share / 2 }}
                    when touchpoint_index = 1 then {{ first_share }}
                    when touchpoint_index = touchpoint_count then {{ last_share }}
                    else {{ middle_share }} / (touchpoint_count - 2)
                end
            {%- endif %} as credit
        from weighted
        {% if not loop.last %}
            union all

        {% endif -%}
    {%- endfor %}

),

final as (

    select
        {{ dbt.concat([
            'conversion_id', "':'", 'cast(touchpoint_index as ' ~ dbt.type_string() ~ ')', "':'", 'attribution_model'
        ]) }} as touchpoint_credit_id,
        conversion_id,
        conversion_name,
        attribution_model,
        user_id,
        session_id,
        touchpoint_index,
        touchpoint_count,
        touchpoint_at,
        path_ended_at as converted_at,
        cast(path_ended_at as date) as converted_date,
        channel,
        traffic_campaign,
        traffic_source,
        traffic_medium,
        cast(credit as numeric(38, 9)) as credit,
        cast(revenue as numeric(28, 6)) as revenue,
        cast(credit * revenue as numeric(38, 9)) as attributed_revenue,
        currency
    from credits

)

select * from final
