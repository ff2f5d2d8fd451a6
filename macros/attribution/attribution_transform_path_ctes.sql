{#-
    CTEs that apply the path transforms, in order, to touchpoints in long form.
    source_cte has columns path_id, touchpoint_index (1..n, contiguous) and channel (not null);
    the macro emits ", <prefix>_1 as (...), ..." (start with a comma after the caller's CTEs)
    and returns nothing else: the last CTE is always named <prefix>_final with the same three
    columns, re-indexed 1..m. transforms is attribution_config()['path_transforms'].
    Row-wise definitions (equal to fractribution's array functions, see its unit tests):
      exposure: keep a touch when it is the first or differs from the previous one.
      first: keep the first occurrence of each channel.
      frequency: one touch per channel, 'channel(count)', ordered by first occurrence.
      remove_if_not_all(C): drop touches in C unless every touch is in C.
      remove_if_last_and_not_all(C): drop touches in C after the last touch not in C
        (a path made only of C is kept whole).
-#}
{% macro attribution_transform_path_ctes(source_cte, transforms, prefix='transformed') -%}
    {%- set ns = namespace(previous=source_cte) -%}
    {%- for name, channels in transforms if name != 'unique' %}
        {%- set step = prefix ~ '_' ~ loop.index %}
        {%- set channel_list = [] -%}
        {%- for channel in channels -%}{%- do channel_list.append("'" ~ channel ~ "'") -%}{%- endfor %}
, {{ step }}_marked as (

    select
        path_id,
        touchpoint_index as source_index,
        channel,
        {%- if name == 'exposure' %}
        touchpoint_index = 1
            or channel <> lag(channel) over (partition by path_id order by touchpoint_index) as is_kept
        {%- elif name == 'first' %}
        row_number() over (partition by path_id, channel order by touchpoint_index) = 1 as is_kept
        {%- elif name == 'frequency' %}
        count(*) over (partition by path_id, channel) as channel_count,
        row_number() over (partition by path_id, channel order by touchpoint_index) = 1 as is_kept
        {%- elif name == 'remove_if_not_all' %}
        channel not in ({{ channel_list | join(', ') }})
            or sum(case when channel not in ({{ channel_list | join(', ') }}) then 1 else 0 end)
                over (partition by path_id) = 0 as is_kept
        {%- elif name == 'remove_if_last_and_not_all' %}
        touchpoint_index <= coalesce(
            max(case when channel not in ({{ channel_list | join(', ') }}) then touchpoint_index end)
                over (partition by path_id),
            touchpoint_index
        ) as is_kept
        {%- endif %}
    from {{ ns.previous }}

),

{{ step }} as (

    -- the window runs after the where clause: the kept touches are re-indexed 1..m
    select
        path_id,
        row_number() over (partition by path_id order by source_index) as touchpoint_index,
        {%- if name == 'frequency' %}
        {{ dbt.concat(['channel', "'('", 'cast(channel_count as ' ~ dbt.type_string() ~ ')', "')'"]) }} as channel
        {%- else %}
        channel
        {%- endif %}
    from {{ step }}_marked
    where is_kept

)
        {%- set ns.previous = step -%}
    {%- endfor %}
, {{ prefix }}_final as (

    select
        path_id,
        touchpoint_index,
        channel
    from {{ ns.previous }}

)
{%- endmacro %}
