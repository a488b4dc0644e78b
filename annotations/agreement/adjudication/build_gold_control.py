"""Build the GOLD control-measures layer from annotators A and B.

Run:  PYTHONPATH=/work/main /work/venv/bin/python build_gold_control.py

1. Reads A (../../a/control) and B (../../b/control).
2. Takes B's spans as the base: B's extent convention is the one adopted for the
   gold (see GUIDELINES-control.md, "Span extent").
3. Applies the adjudication decisions below (DECISIONS), each located with
   nkworkers.loaders.text.locate.find by its text (never by typed offsets).
4. Writes <doc_id>.json (ids renumbered <doc>-C<n> in text order), validates
   with the project model and span/overlap/id checks, and writes
   disagreements.md: every A/B disagreement (clusters of overlapping spans),
   its type and whether the gold followed A, B or a new decision.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nkworkers.loaders.labels import ControlCategory as CC
from nkworkers.loaders.text.locate import find
from nkworkers.loaders.model import Annotation, ControlMeasure
from nkworkers.loaders.validate import check_ids, check_overlaps, check_spans

HERE = Path(__file__).resolve().parent
STAGING = HERE.parent.parent
RAW = Path("/work/main/raw")
ORDER = list(CC)

S, M, CM, D, F, L, DP, I, C, H = (CC.SURVEILLANCE, CC.MOVEMENT_RESTRICTION,
    CC.COMMUNICATION_RESTRICTION, CC.DOCUMENT_CONFISCATION, CC.FINANCIAL_EXTRACTION,
    CC.LABOR_ORGANIZATION, CC.DEPLOYMENT_CONTROL, CC.IDEOLOGICAL_CONTROL, CC.COERCION,
    CC.HOST_STATE_COOPERATION)

# Decisions that change B's base. Each names spans by text (+ an anchor phrase that
# precedes them, to fix the window). action:
#   add      -> add span `needle` with `labels`
#   replace  -> remove the base span(s) overlapping `needle`'s window, add `needle` spans
#   relabel  -> set labels of the base span whose text == needle
DECISIONS = [
    # 000 -----------------------------------------------------------------
    dict(doc="000", id="G-10", action="add", anchor="After the meeting, workers said among themselves that",
         spans=[("the emphasis on North Korea’s close ties with Russian law enforcement was meant to inspire fear", [C])]),
    # 001 -----------------------------------------------------------------
    dict(doc="001", id="G-11", action="add", anchor=None,
         spans=[("The new rules guard against workers becoming ‘ideologically lax.’", [L])]),
    dict(doc="001", id="G-12", action="replace", anchor="An estimated 20,000 North Koreans",
         spans=[("have been dispatched by their government to Russia to earn foreign cash for the regime", [DP, F])]),
    # 002 -----------------------------------------------------------------
    dict(doc="002", id="G-13", action="relabel", anchor=None,
         spans=[("are exerting increasingly cruel surveillance and controls", [S, C])]),
    # 003 -----------------------------------------------------------------
    dict(doc="003", id="G-14", action="replace", anchor="to contact Russian traders,",
         spans=[("if they are caught using the Internet, the money they’ve earned will be confiscated", [CM, F, C]),
                ("they will be immediately sent back to North Korea", [C])]),
]


def load(who: str, doc: str) -> list[dict]:
    return json.loads((STAGING / who / "control" / f"{doc}.json").read_text(encoding="utf-8"))["control_measures"]


def norm(labels) -> list[str]:
    return [str(x) for x in sorted({CC(l) for l in labels}, key=ORDER.index)]


def clusters(A, B):
    """Transitive clusters of overlapping spans from A and B."""
    items = [("A", x) for x in A] + [("B", x) for x in B]
    items.sort(key=lambda t: (t[1]["start"], t[1]["end"]))
    out, cur, cur_end = [], [], -1
    for who, x in items:
        if cur and x["start"] >= cur_end:
            out.append(cur); cur, cur_end = [], -1
        cur.append((who, x)); cur_end = max(cur_end, x["end"])
    if cur:
        out.append(cur)
    return out


def sig(spans):
    return sorted((x["start"], x["end"], tuple(norm(x["labels"]))) for x in spans)


def build():
    rows, total, per_doc = [], Counter(), {}
    for raw in sorted(RAW.glob("*.txt")):
        doc = raw.stem
        text = raw.read_bytes().decode("utf-8")
        A, B = load("a", doc), load("b", doc)
        # base = B, each span re-located by its text from its own position
        gold = []
        for x in B:
            s, e = find(text, x["text"], nth=1, after=x["start"])
            assert s == x["start"]
            gold.append(dict(start=s, end=e, labels=norm(x["labels"]), via="B"))
        for dec in (d for d in DECISIONS if doc.startswith(d["doc"])):
            after = find(text, dec["anchor"])[1] if dec["anchor"] else 0
            new = []
            for needle, labels in dec["spans"]:
                s, e = find(text, needle, nth=1, after=after)
                new.append(dict(start=s, end=e, labels=norm(labels), via=dec["id"]))
            if dec["action"] == "relabel":
                (n,) = new
                hit = [g for g in gold if (g["start"], g["end"]) == (n["start"], n["end"])]
                assert len(hit) == 1, dec
                hit[0]["labels"], hit[0]["via"] = n["labels"], dec["id"]
                continue
            if dec["action"] == "replace":
                lo, hi = min(n["start"] for n in new), max(n["end"] for n in new)
                before = len(gold)
                gold = [g for g in gold if g["end"] <= lo or g["start"] >= hi]
                assert len(gold) < before, dec
            gold.extend(new)
        gold.sort(key=lambda g: g["start"])
        for g1, g2 in zip(gold, gold[1:]):
            assert g1["end"] <= g2["start"], (doc, g1, g2)
        cms = [dict(id=f"{doc}-C{i}", start=g["start"], end=g["end"],
                    text=text[g["start"]:g["end"]], labels=g["labels"])
               for i, g in enumerate(gold, 1)]
        out = {"doc_id": doc, "control_measures": cms}
        ann = Annotation(doc_id=doc, text_sha256="x",
                         control_measures=[ControlMeasure(**c) for c in cms])
        probs = check_spans(doc, text, ann) + check_overlaps(doc, ann) + check_ids(doc, ann)
        assert not probs, probs
        for c in cms:
            assert text[c["start"]:c["end"]] == c["text"] == c["text"].strip()
        (HERE / f"{doc}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        cnt = Counter(l for c in cms for l in c["labels"])
        per_doc[doc] = (len(cms), cnt)
        total += cnt

        # ---- disagreement report
        for cl in clusters(A, B):
            a = [x for w, x in cl if w == "A"]; b = [x for w, x in cl if w == "B"]
            if sig(a) == sig(b):
                continue
            lo, hi = min(x["start"] for _, x in cl), max(x["end"] for _, x in cl)
            g = [x for x in cms if x["start"] < hi and x["end"] > lo]
            la = {l for x in a for l in norm(x["labels"])}; lb = {l for x in b for l in norm(x["labels"])}
            if not a: kind = "span in B only"
            elif not b: kind = "span in A only"
            elif la != lb: kind = "different label sets"
            elif len(a) != len(b): kind = "split vs merged (same labels)"
            else: kind = "different extent (same labels)"
            verdict = "A" if sig(g) == sig(a) else "B" if sig(g) == sig(b) else "new"
            rows.append(dict(doc=doc[:3], kind=kind, verdict=verdict,
                             A=" ‖ ".join(f"{x['text']} {norm(x['labels'])}" for x in a) or "—",
                             B=" ‖ ".join(f"{x['text']} {norm(x['labels'])}" for x in b) or "—",
                             G=" ‖ ".join(f"{x['text']} {x['labels']}" for x in g) or "—"))
    # ---- write report
    lines = ["# A/B disagreements (generated by build_gold_control.py)", "",
             "| # | doc | type | gold follows | A | B | gold |", "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(rows, 1):
        cell = lambda s: s.replace("|", "/")
        lines.append(f"| {i} | {r['doc']} | {r['kind']} | {r['verdict']} | {cell(r['A'])} | {cell(r['B'])} | {cell(r['G'])} |")
    tally = Counter((r["kind"], r["verdict"]) for r in rows)
    lines += ["", "## Tally (type x verdict)", "", "| type | A | B | new | total |", "|---|---|---|---|---|"]
    for k in sorted({r["kind"] for r in rows}):
        n = [tally[(k, v)] for v in ("A", "B", "new")]
        lines.append(f"| {k} | {n[0]} | {n[1]} | {n[2]} | {sum(n)} |")
    n = [sum(v for (k, vv), v in tally.items() if vv == w) for w in ("A", "B", "new")]
    lines.append(f"| all | {n[0]} | {n[1]} | {n[2]} | {sum(n)} |")
    lines += ["", "## Gold counts (labels per article)", "",
              "| doc | spans | " + " | ".join(c.value for c in CC) + " | labels |",
              "|---|---|" + "---|" * (len(CC) + 1)]
    for doc, (ns, cnt) in per_doc.items():
        lines.append(f"| {doc[:3]} | {ns} | " + " | ".join(str(cnt.get(c.value, 0)) for c in CC) + f" | {sum(cnt.values())} |")
    lines.append(f"| all | {sum(v[0] for v in per_doc.values())} | " + " | ".join(str(total.get(c.value, 0)) for c in CC) + f" | {sum(total.values())} |")
    (HERE / "disagreements.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[-(len(per_doc) + 4):]))
    print("disagreements:", len(rows), dict(Counter(r["verdict"] for r in rows)))


if __name__ == "__main__":
    build()
