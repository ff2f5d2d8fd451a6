"""Assemble the charts into one self-contained HTML page that opens offline.

plotly.js is inlined (no CDN); each figure is embedded as JSON and drawn on load. After a chart
has drawn, its div gets ``data-rendered="true"``; a chart that fails to draw gets ``data-error``,
and any script error is recorded on ``<html data-script-errors>``, so a headless browser can
check the page from its DOM alone.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from journey_analytics.report.sections import Chart

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:18px 32px}
header h1{margin:0 0 4px;font-size:22px}header p{margin:0;opacity:.85;font-size:13px}
nav{padding:8px 32px;font-size:13px;background:#e8ecf2}nav a{margin-right:14px;color:#1f3a5f}
main{padding:8px 32px 40px;max-width:1180px}
h2.section{margin:28px 0 8px;font-size:19px;border-bottom:2px solid #1f3a5f;padding-bottom:4px}
article{background:#fff;border:1px solid #dde2ea;border-radius:6px;margin:14px 0;padding:12px 16px}
article h3{margin:0 0 6px;font-size:15px}
.chart{min-height:300px}
.caption{font-size:13px;line-height:1.45;color:#333;margin:6px 0 0}
.empty-state{padding:26px;text-align:center;color:#666;background:#fafafa;border:1px dashed #bbb;
border-radius:4px;font-size:14px}
"""

BASE_LAYOUT = {
    "font": {"size": 12},
    "margin": {"t": 30, "r": 20, "b": 50, "l": 70},
    "height": 420,
    "legend": {"orientation": "h", "y": -0.18},
    "paper_bgcolor": "#fff",
    "plot_bgcolor": "#fff",
}

SCRIPT = """
(function(){
  var errors = [];
  function record(message){
    errors.push(String(message));
    document.documentElement.setAttribute('data-script-errors', JSON.stringify(errors));
  }
  window.addEventListener('error', function(e){ record(e.message); });
  window.addEventListener('unhandledrejection', function(e){ record(e.reason); });
  var figures = JSON.parse(document.getElementById('report-figures').textContent);
  var base = JSON.parse(document.getElementById('report-layout').textContent);
  var pending = [];
  Object.keys(figures).forEach(function(id){
    var el = document.getElementById(id), fig = figures[id];
    var layout = Object.assign({}, base, fig.layout || {});
    layout.margin = Object.assign({}, base.margin, (fig.layout || {}).margin || {});
    pending.push(Plotly.newPlot(el, fig.data, layout, {responsive: true, displaylogo: false})
      .then(function(){ el.setAttribute('data-rendered', 'true'); })
      .catch(function(err){ el.setAttribute('data-error', String(err)); record(err); }));
  });
  Promise.all(pending).then(function(){
    document.documentElement.setAttribute('data-report-ready', 'true');
  });
})();
"""


def _json_for_script(value: object) -> str:
    """JSON safe inside a <script> element (no '</' that could close it)."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def render(charts: Sequence[Chart], plotly_js: str, title: str, subtitle: str) -> str:
    sections: dict[str, list[Chart]] = {}
    for chart in charts:
        sections.setdefault(chart.section, []).append(chart)
    nav = "".join(
        f'<a href="#section-{i}">{html.escape(name)}</a>' for i, name in enumerate(sections)
    )
    body = []
    figures = {}
    for i, (name, group) in enumerate(sections.items()):
        body.append(f'<h2 class="section" id="section-{i}">{html.escape(name)}</h2>')
        for chart in group:
            div_id = f"chart-{chart.key}"
            if chart.figure is None:
                inner = (
                    f'<div class="empty-state" id="{html.escape(div_id)}">'
                    f"{html.escape(chart.caption)}</div>"
                )
                caption = ""
            else:
                figures[div_id] = chart.figure
                inner = f'<div class="chart" id="{html.escape(div_id)}"></div>'
                caption = f'<p class="caption">{html.escape(chart.caption)}</p>'
            body.append(f"<article><h3>{html.escape(chart.title)}</h3>{inner}{caption}</article>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style>"
        f"<script>{plotly_js}</script></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>"
        f"<nav>{nav}</nav><main>{''.join(body)}</main>"
        f'<script type="application/json" id="report-figures">{_json_for_script(figures)}'
        "</script>"
        f'<script type="application/json" id="report-layout">{_json_for_script(BASE_LAYOUT)}'
        "</script>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
