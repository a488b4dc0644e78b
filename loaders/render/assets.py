"""The inline stylesheet and script of every page: nothing is fetched from anywhere.

The script never logs to the console (the Chromium test treats any console
message as a failure) and marks ``<body data-ready="true">`` when it has run.
A page opened as ``page.html#hide=entities,control_measures`` starts with
those layers off, and ``#hover=<annotation id>`` starts as if that span were
hovered (its record's links drawn); the Chromium test uses both.
"""

from __future__ import annotations

from nkworkers.loaders.labels import EntityType, names

ROLE_COLOURS = {"SOURCE": "#1f63b4", "CUE": "#c8102e", "CONTENT": "#2e8b3a"}
MEASURE_COLOUR = "#d97706"
# How a compared span is outlined: matched, gold not predicted, predicted not in gold.
OUTCOME_COLOURS = {"found": "#2e7d32", "missed": "#c62828", "false-alarm": "#ef6c00"}


def entity_colour(index: int, total: int) -> str:
    return f"hsl({round(index * 360 / total)}, 70%, 84%)"


def css() -> str:
    labels = names(EntityType)
    ents = "\n".join(
        f".ent-{x} {{ background: {entity_colour(i, len(labels))}; }}" for i, x in enumerate(labels)
    )
    roles = "\n".join(
        f".att-{role} {{ border-bottom: 2px solid {colour}; }}"
        for role, colour in ROLE_COLOURS.items()
    )
    return f"""
body {{ font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
  color: #1b1b1b; background: #fafaf7; }}
header, main, section {{ max-width: 1200px; margin: 0 auto; padding: 0 1.2rem; }}
header {{ padding-top: .8rem; }}
header .nav {{ float: right; }} header .nav a {{ margin-left: 1rem; }}
h1 {{ font-size: 1.5rem; margin: .4rem 0; }}
.meta {{ color: #555; font-size: .9rem; margin: 0 0 .5rem; }}
.toggles label {{ margin-right: 1.2rem; font-weight: 600; cursor: pointer; }}
.legend {{ margin: .3rem 0; font-size: .75rem; }}
.legend .key {{ display: inline-block; margin: 0 .3rem .2rem 0; padding: 0 .3rem; }}
main {{ display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 1.5rem; }}
#text {{ white-space: pre-wrap; background: #fff; padding: 1rem 1.3rem;
  border: 1px solid #ddd; line-height: 2.1; font-family: Georgia, "DejaVu Serif", serif; }}
#details {{ position: sticky; top: .5rem; align-self: start; font-size: .85rem;
  background: #fff; border: 1px solid #ddd; padding: .5rem .8rem; }}
#details h2 {{ font-size: 1rem; margin: .2rem 0; }}
#details dl {{ margin: .3rem 0 .7rem; }} #details dt {{ font-weight: 600; }}
#details dd {{ margin: 0 0 .2rem .8rem; }}
.ann {{ border-radius: 2px; padding-bottom: 1px; -webkit-box-decoration-break: clone;
  box-decoration-break: clone; }}
{ents}
{roles}
.att-CUE {{ font-weight: 700; color: {ROLE_COLOURS["CUE"]}; }}
.cm {{ text-decoration: underline wavy {MEASURE_COLOUR}; text-decoration-skip-ink: none;
  text-underline-offset: 6px; }}
.legend .att {{ border-bottom-width: 3px; }}
body.hide-entities #text .ent {{ background: none; }}
body.hide-attribution #text .att {{ border-bottom: none; font-weight: inherit;
  color: inherit; }}
body.hide-control_measures #text .cm {{ text-decoration: none; }}
body.hide-entities .legend[data-legend=entities],
body.hide-attribution .legend[data-legend=attribution],
body.hide-control_measures .legend[data-legend=control_measures] {{ opacity: .35; }}
body.show-labels #text [data-ann-first]::before {{ content: attr(data-label);
  font: 600 .55rem/1 system-ui, sans-serif; vertical-align: super; color: #444;
  margin-right: 1px; }}
body.show-labels.hide-entities #text .ent::before,
body.show-labels.hide-attribution #text .att::before,
body.show-labels.hide-control_measures #text .cm::before {{ content: none; }}
.ann.linked {{ outline: 2px solid #6a3d9a; outline-offset: 1px; }}
.ann.hovered {{ outline: 2px solid #111; }}
#links {{ position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; }}
#links path {{ stroke: #6a3d9a; stroke-width: 2; stroke-dasharray: 5 3; fill: none; }}
table {{ border-collapse: collapse; font-size: .85rem; width: 100%; background: #fff; }}
td, th {{ border: 1px solid #ddd; padding: .25rem .4rem; text-align: left;
  vertical-align: top; }}
tr.linked td {{ background: #efe7f7; }}
.rights {{ color: #666; font-size: .8rem; }}
.stats td.n {{ text-align: right; }}
.charts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
  gap: 1rem; }}
.charts figure {{ margin: 0; }}
.charts img {{ max-width: 100%; border: 1px solid #ddd; background: #fff; }}
#text .zone[data-ann-first]::before {{ content: attr(data-label);
  font: 600 .55rem/1 system-ui, sans-serif; color: #fff; background: #6b6b6b;
  border-radius: 2px; padding: 1px 3px; margin-right: 3px; vertical-align: super; }}
.zone-HEADLINE {{ font-weight: 700; }}
.zone-BYLINE, .zone-CAPTION {{ font-style: italic; }}
.zone-BOILERPLATE {{ color: #8a8a8a; }}
.legend .key.zone-HEADLINE, .legend .key.zone-BODY {{ border: 1px solid #bbb; }}
body.hide-zones #text .zone {{ font-weight: inherit; font-style: inherit; color: inherit; }}
body.hide-zones #text .zone::before {{ content: none; }}
body.hide-zones .legend[data-legend=zones] {{ opacity: .35; }}
body.wide header, body.wide main, body.wide section {{ max-width: 1700px; }}
#text.compare {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; white-space: normal;
  background: none; border: 0; padding: 0; font-family: inherit; line-height: 1.5; }}
#text.compare .side {{ white-space: pre-wrap; background: #fff; padding: .6rem 1rem;
  border: 1px solid #ddd; line-height: 2.1; font-family: Georgia, "DejaVu Serif", serif; }}
#text.compare .side h2 {{ white-space: normal; font: 600 1rem/1.3 system-ui, sans-serif;
  margin: 0 0 .4rem; }}
.ann.found {{ outline: 1px solid {OUTCOME_COLOURS["found"]}; }}
.ann.missed {{ outline: 2px dashed {OUTCOME_COLOURS["missed"]}; }}
.ann.false-alarm {{ outline: 2px dotted {OUTCOME_COLOURS["false-alarm"]}; }}
.legend .key.found, .legend .key.missed, .legend .key.false-alarm {{ margin-right: .6rem; }}
table.claims td.src {{ font-weight: 600; }} table.claims td.arrow {{ text-align: center; }}
.outcomes td.n {{ text-align: right; }}
"""


_JS = r"""
(function () {
  "use strict";
  var body = document.body;
  var records = JSON.parse(document.getElementById("records").textContent);
  var byId = Object.create(null);
  records.forEach(function (r) { byId[r.id] = r; });
  var svg = document.getElementById("links");
  var details = document.getElementById("details-body");

  function setLayer(layer, on) {
    body.classList.toggle("hide-" + layer, !on);
    var box = document.querySelector('[data-layer-toggle="' + layer + '"]');
    if (box) { box.checked = on; }
  }
  document.querySelectorAll("[data-layer-toggle]").forEach(function (box) {
    box.addEventListener("change", function () {
      setLayer(box.getAttribute("data-layer-toggle"), box.checked);
    });
  });
  var labels = document.querySelector("[data-label-toggle]");
  labels.addEventListener("change", function () {
    body.classList.toggle("show-labels", labels.checked);
  });
  var match = /hide=([\w,]+)/.exec(window.location.hash);
  if (match) { match[1].split(",").forEach(function (l) { setLayer(l, false); }); }

  // ids are corpus data: quote them for selectors, never splice them in raw
  function sel(attr, id) { return "[" + attr + '="' + CSS.escape(id) + '"]'; }
  function first(id) {
    return document.querySelector(sel("data-ann-id", id) + "[data-ann-first]");
  }
  function centre(el) {
    var box = el.getBoundingClientRect();
    return [box.left + window.scrollX + box.width / 2, box.top + window.scrollY + box.height / 2];
  }
  function line(a, b) {
    var p = centre(a), q = centre(b);
    // an arc above both ends, so that the link does not strike through the text
    var lift = Math.min(p[1], q[1]) - 18 - Math.abs(p[0] - q[0]) / 12;
    var d = "M" + p[0] + "," + (p[1] - 8) + " Q" + (p[0] + q[0]) / 2 + "," + lift +
      " " + q[0] + "," + (q[1] - 8);
    var l = document.createElementNS("http://www.w3.org/2000/svg", "path");
    l.setAttribute("d", d);
    svg.appendChild(l);
  }
  function clear() {
    document.querySelectorAll(".linked, .hovered").forEach(function (el) {
      el.classList.remove("linked"); el.classList.remove("hovered");
    });
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
  }
  function describe(el) {
    var dl = document.createElement("dl");
    function add(term, value) {
      if (value === null || value === undefined || value === "") { return; }
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = term; dd.textContent = value;
      dl.appendChild(dt); dl.appendChild(dd);
    }
    add(el.getAttribute("data-layer"), el.getAttribute("data-label"));
    add("id", el.getAttribute("data-ann-id"));
    (el.getAttribute("data-rec") || "").split(" ").filter(Boolean).forEach(function (rid) {
      var r = byId[rid];
      if (!r) { return; }
      add("record " + rid.split("-").pop(),
          (r.source_text || "(no source)") + " | " + r.cue_text + " | " +
          r.content_text.join(" … "));
      add("source_anonymity", r.source_anonymity);
      add("source_kind", r.source_kind);
      add("quote_type", r.quote_type);
      add("source_id", r.source_id);
      add("parent", r.parent);
    });
    return dl;
  }
  function show(target) {
    clear();
    details.textContent = "";
    var chain = [];
    for (var el = target; el && el.id !== "text"; el = el.parentElement) {
      if (el.hasAttribute("data-ann-id")) { chain.push(el); }
    }
    chain.forEach(function (el) {
      var layer = el.getAttribute("data-layer");
      if (body.classList.contains("hide-" + layer)) { return; }
      document.querySelectorAll(sel("data-ann-id", el.getAttribute("data-ann-id")))
        .forEach(function (f) { f.classList.add("hovered"); });
      details.appendChild(describe(el));
      (el.getAttribute("data-rec") || "").split(" ").filter(Boolean).forEach(function (rid) {
        var r = byId[rid];
        if (!r) { return; }
        var ids = [r.source, r.cue].concat(r.content).filter(Boolean);
        ids.forEach(function (sid) {
          document.querySelectorAll(sel("data-ann-id", sid)).forEach(function (f) {
            f.classList.add("linked");
          });
        });
        var cue = first(r.cue);
        ids.forEach(function (sid) {
          var other = first(sid);
          if (cue && other && sid !== r.cue) { line(cue, other); }
        });
        var row = document.querySelector(sel("data-rec-row", rid));
        if (row) { row.classList.add("linked"); }
      });
    });
    if (!details.firstChild) { details.textContent = "Hover over a highlighted span."; }
  }
  document.getElementById("text").addEventListener("mouseover", function (ev) {
    var t = ev.target.closest ? ev.target.closest("[data-ann-id]") : null;
    if (t) { show(t); }
  });
  svg.setAttribute("width", document.documentElement.scrollWidth);
  svg.setAttribute("height", document.documentElement.scrollHeight);
  var hover = /hover=([^&]+)/.exec(window.location.hash);
  if (hover) {
    var wanted = null;
    try { wanted = decodeURIComponent(hover[1]); } catch (e) { wanted = null; }
    var start = wanted === null ? null : first(wanted);
    if (start) { show(start); }
  }
  body.setAttribute("data-ready", "true");
})();
"""


def js() -> str:
    return _JS
