{#-
    Why an identity text (user_id, anonymous_id) as sent is not used as it is, or null.
    '<column>_blank': only spaces; '<column>_placeholder': a stand-in trackers write for a
    missing value ('null', 'undefined', 'none', 'nil', 'nan', '[object Object]', any case);
    both make the identity null. '<column>_trimmed': spaces around a real id were removed.
    Null or '' is an absent identity, not an issue.
-#}
{% macro identity_value_issue(raw, column_name) -%}
    case
        when {{ raw }} is null or {{ raw }} = '' then null
        when trim({{ raw }}) = '' then '{{ column_name }}_blank'
        when lower(trim({{ raw }})) in ('null', 'undefined', 'none', 'nil', 'nan', '[object object]')
            then '{{ column_name }}_placeholder'
        when trim({{ raw }}) <> {{ raw }} then '{{ column_name }}_trimmed'
    end
{%- endmacro %}
