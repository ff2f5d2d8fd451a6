{#-
    Every enabled event source in one stream with the same columns. A tracker's staging model
    joins this union when its var is on; the generic source is on unless disabled.
-#}
{%- set sources = journey.enabled_event_sources() -%}

{% for model_name in sources %}
    select * from {{ ref(model_name) }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
