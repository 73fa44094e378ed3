"""The two docs pages' HTML: a bar (spec picker, Swagger UI / ReDoc links) over the viewer.

Everything they load comes from this mock (`assets`): no CDN, no font service, no validator badge.
Both pages poll their spec's ETag (a 304 while nothing changed) and render again after a hot reload,
retitled from the new spec's `info.title` (a page loaded later is written with the title of the spec served then).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

POLL_MS = 2000


@dataclass(frozen=True)
class DocsSpec:
    """One spec of the picker: `name` in `?spec=`, the URL of its docs copy, its title as served now."""

    name: str
    url: str
    title: str


_STYLE = """
body { margin: 0; }
#mocktui-bar { position: sticky; top: 0; z-index: 10; display: flex; gap: 1em; align-items: center;
  padding: .5em 1em; background: #1b1b1b; color: #eee; font: 14px sans-serif; }
#mocktui-bar a { color: #9cf; } #mocktui-bar a[aria-current] { color: #fff; font-weight: bold; text-decoration: none; }
#mocktui-bar .grow { flex: 1; } #mocktui-reloaded { color: #8d8; }
"""

# The spec picker, the links between the views (keeping ?spec=) and the reload watch, shared by both pages.
_COMMON = """
const specs = SPECS;
const wanted = new URLSearchParams(location.search).get('spec');
let current = specs.find(s => s.name === wanted) || specs[0];
const picker = document.getElementById('mocktui-spec');
const label = s => specs.length > 1 ? s.name + ': ' + s.title : s.title;
for (const s of specs) { picker.add(new Option(label(s), s.name, false, s === current)); }
picker.hidden = specs.length < 2;
function retitle(doc) {  // a reload may rename the spec: the bar, the tab and the picker follow
  const title = doc && doc.info && doc.info.title;
  if (typeof title !== 'string' || title === current.title) return;
  current.title = title;
  picker.options[specs.indexOf(current)].text = label(current);
  if (specs.length === 1) {
    document.getElementById('mocktui-title').textContent = title;
    document.title = title + document.title.slice(document.title.lastIndexOf(' - '));
  }
}
function links() {
  for (const a of document.querySelectorAll('#mocktui-bar a[data-view]')) {
    a.href = a.dataset.view + (specs.length > 1 ? '?spec=' + encodeURIComponent(current.name) : '');
  }
}
links();
let tag = null;  // the ETag of the spec on screen: set by the viewer as it loads it
function watch(render) {
  setInterval(async () => {
    try {
      const r = await fetch(current.url, {cache: 'no-store', headers: tag ? {'If-None-Match': tag} : {}});
      const now = r.headers.get('etag');
      if (r.status === 200 && tag !== null && now !== tag) {
        tag = now;
        const doc = await r.json();
        retitle(doc);
        render(doc);
        document.getElementById('mocktui-reloaded').textContent = 'reloaded ' + new Date().toLocaleTimeString();
      } else if (tag === null) {
        tag = now;
      }
    } catch (e) { /* the mock restarting: try again next time */ }
  }, POLL_MS);
}
picker.onchange = () => {
  current = specs.find(s => s.name === picker.value);
  history.replaceState(null, '', '?spec=' + encodeURIComponent(current.name));
  links();
  show();
};
"""


def _bar(title: str, pages: str, view: str) -> str:
    def link(name: str, href: str) -> str:
        here = ' aria-current="page"' if href == view else ""
        return f'<a data-view="{href}" href="{href}"{here}>{name}</a>'

    return (
        f'<nav id="mocktui-bar"><b id="mocktui-title">{html.escape(title)}</b>'
        ' <select id="mocktui-spec" aria-label="spec"></select>'
        f"{link('Swagger UI', pages)} {link('ReDoc', pages + '/redoc')}"
        '<span class="grow"></span><span id="mocktui-reloaded"></span>'
        '<span>mock docs: "Try it out" calls this mock</span></nav>'
    )


def _page(title: str, head: str, body: str, script: str, specs: list[DocsSpec]) -> str:
    listed = json.dumps([{"name": s.name, "url": s.url, "title": s.title} for s in specs]).replace("</", "<\\/")
    code = _COMMON.replace("SPECS", listed).replace("POLL_MS", str(POLL_MS)) + script
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{head}<style>{_STYLE}</style></head>'
        f"<body>{body}<script>{code}</script></body></html>"
    )


def swagger_page(title: str, specs: list[DocsSpec], assets: str, pages: str) -> str:
    head = f'<link rel="stylesheet" href="{assets}/swagger-ui.css"><link rel="icon" href="{assets}/favicon.png">'
    body = (
        _bar(title, pages, pages) + f'<div id="swagger-ui"></div><script src="{assets}/swagger-ui-bundle.js"></script>'
    )
    script = """
const ui = SwaggerUIBundle({
  url: current.url, dom_id: '#swagger-ui', presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout',
  deepLinking: true, displayRequestDuration: true, showExtensions: true, validatorUrl: null,
  tryItOutEnabled: false, persistAuthorization: true,
  responseInterceptor: (res) => {
    if (res.url === new URL(current.url, location.href).href && res.headers && res.headers.etag) tag = res.headers.etag;
    return res;
  },
});
window.ui = ui;
function show() { tag = null; ui.specActions.updateUrl(current.url); ui.specActions.download(current.url); }
watch(show);
"""
    return _page(f"{title} - Swagger UI", head, body, script, specs)


def redoc_page(title: str, specs: list[DocsSpec], assets: str, pages: str) -> str:
    head = f'<link rel="icon" href="{assets}/favicon.png">'
    body = _bar(title, pages, pages + "/redoc") + f'<div id="redoc"></div><script src="{assets}/redoc.standalone.js">'
    body += "</script>"
    script = """
function render(spec) {
  Redoc.init(spec, {scrollYOffset: '#mocktui-bar', expandResponses: '200,201'}, document.getElementById('redoc'));
}
async function show() {
  const r = await fetch(current.url, {cache: 'no-store'});
  tag = r.headers.get('etag');
  const doc = await r.json();
  retitle(doc);
  render(doc);
}
show();
watch(render);
"""
    return _page(f"{title} - ReDoc", head, body, script, specs)
