"""Build the GOLD attribution layer from annotators A and B plus the adjudicator's decisions.

Run: PYTHONPATH=/work/main /work/venv/bin/python build_gold_attribution.py
Reads  ../../a/attribution/<doc>.json and ../../b/attribution/<doc>.json
Writes <doc>.json (gold) and ADJUDICATION.md (tallies + every disagreement) here.

Steps
1. Normalise each annotator's records: spans as offsets; CONTENT pieces of one record that are
   separated only by whitespace are merged into one span (the project's rule change: CONTENT
   may nest, so an outer record's content is one span over the whole clause/quote).
2. Match A and B records by overlapping CUE extents; list every disagreement by code.
3. Resolve each disagreement by the decision table below (every disagreement must be covered,
   otherwise the script stops). Parents are recomputed structurally (innermost record whose
   CONTENT contains the cue); source_ids come from the chain table CHAINS.
4. Renumber ids in text order, self-check, write.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

from nkworkers.loaders import validate as V
from nkworkers.loaders.text.locate import find
from nkworkers.loaders.model import Annotation, Attribution, AttributionSpan

HERE = Path(__file__).resolve().parent
STAGING = HERE.parent.parent
RAW = Path("/work/main/raw")
DOCS = sorted(p.stem for p in RAW.glob("*.txt"))

# Regions outside HEADLINE/CAPTION/BODY (byline, boilerplate): (first string, last string) or tail start.
TAIL = {"000": "Translated by Audrey Gregg", "001": "Translated by Claire Lee",
        "002": "Please direct any comments", "003": "Daily NK works with a network",
        "004": "Translated by David Black"}
HEAD = {"001": ("By Jieun Kim", "Share on WhatsApp\nShare on WhatsApp"),
        "004": ("lecture, whistleblower", "overseas workers")}


def text_of(doc):
    return (RAW / f"{doc}.txt").read_bytes().decode("utf-8")


def cue_at(text, anchor, cue, nth=1):
    """Offsets of the nth occurrence of cue at or after the anchor (unique, or (anchor, occurrence))."""
    a, _ = find(text, anchor) if isinstance(anchor, str) else find(text, anchor[0], nth=anchor[1])
    return find(text, cue, after=a, nth=nth)


# ---------------------------------------------------------------- normalisation
def load(who, doc, text):
    d = json.loads((STAGING / who / "attribution" / f"{doc}.json").read_text(encoding="utf-8"))
    sp = {s["id"]: s for s in d["attribution_spans"]}
    for s in d["attribution_spans"]:
        assert text[s["start"]:s["end"]] == s["text"], (who, s)
    recs = []
    for r in d["attributions"]:
        pieces = sorted((sp[c]["start"], sp[c]["end"]) for c in r["content"])
        merged = [list(pieces[0])]
        for s, e in pieces[1:]:
            if text[merged[-1][1]:s].strip() == "":
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        src = (sp[r["source"]]["start"], sp[r["source"]]["end"]) if r["source"] else None
        recs.append(dict(id=r["id"], source=src, cue=(sp[r["cue"]]["start"], sp[r["cue"]]["end"]),
                         content=[tuple(m) for m in merged], n_pieces=len(pieces),
                         source_anonymity=r["source_anonymity"], source_kind=r["source_kind"],
                         quote_type=r["quote_type"], source_id=r["source_id"], parent=r["parent"]))
    byid = {r["id"]: r for r in recs}
    for r in recs:
        r["parent_cue"] = byid[r["parent"]]["cue"] if r["parent"] else None
    return recs


def overlaps(x, y):
    return x[0] < y[1] and y[0] < x[1]


# ---------------------------------------------------------------- decisions
# Records only one annotator made: include? (key: doc, anchor, cue text[, nth])
# Values: ("keep", reason) or ("drop", reason). Decision numbers refer to GUIDELINES decisions log.
ONE_SIDED = {
    ("000", "The North Korean authorities have", "have ordered its companies in Russia"):
        ("keep", "D1 directive speech acts (ordered + clausal/infinitival complement) are cues"),
    ("001", ("North Koreans in Russia ordered", 1), "ordered"):
        ("keep", "D1 orders are cues; agentless passive, issuer plainly the DPRK side (D9)"),
    ("001", ("North Koreans in Russia ordered", 2), "ordered"):
        ("keep", "D1 caption repeats the headline; every mention is annotated"),
    ("001", "authorities gave the order", "gave the order"):
        ("keep", "D1 'gave the order that' is a directive cue with that-clause content"),
    ("001", "I knew at a job site said that authorities", "ordered"):
        ("keep", "D1 third-level nested order inside the worker's report"),
    ("002", "This essentially", "revealed"):
        ("keep", "D5 inference predicate with a document ('This' = the order) as subject, like 'His statement suggests'"),
    ("002", "With North Korean authorities ordering", "ordering workers"):
        ("keep", "D1 orders are cues; recipient 'workers' in the cue (D3)"),
    ("003", "be quite concerned", "concerned"):
        ("keep", "D4 belief/fear predicates with a clausal complement ('concerned that' ~ 'fear') are cues"),
    ("004", "North Korea ordered the repatriation", "ordered"):
        ("keep", "D1 orders are cues; NP-of-event complement ('the repatriation of ...') is an eventuality content"),
}

# Field-level decisions for matched records: key (doc, anchor, cue text) -> {field: (winner, value|None, reason)}
# winner "A"/"B" takes that annotator's value, "new" sets value.
FIELD = {
    ("000", "During the meeting, the president", "said"): {
        "source_anonymity": ("A", None, "D7 a unique title in a named organisation identifies the speaker: named")},
    ("000", "In his announcement, the president", "reminded the workers"): {
        "source_anonymity": ("A", None, "D7 same speaker as the Namgang president: named")},
    ("000", "He urged", "urged those with wavering loyalties"): {
        "source_anonymity": ("A", None, "D7 coreferent with the Namgang president: named")},
    ("000", "The company’s president further", "said"): {
        "source_anonymity": ("A", None, "D7 the company's president: named")},
    ("000", "His statement", "suggests"): {
        "source_anonymity": ("A", None, "D7 a document takes the anonymity of its issuer (the named president)")},
    ("001", "that authorities fear", "fear"): {
        "source_anonymity": ("B", None, "D7 state collectives ('(North Korean) authorities') are named institutions")},
    ("001", "confiscated the papers,”", "said"): {
        "source": ("B", None, "A's 'he' points inside 'the' (offset slip); B's 'he' is the pronoun")},
    ("002", "issued an order", "calling for"): {
        "source_anonymity": ("B", None, "D7 an order of the named North Korean authorities: named")},
    ("002", "The lecturer said", "said"): {
        "content": ("A", None, "D6 one content span over the coordinated complement, inner 'and that' included")},
    ("002", "In the order, the authorities", "called for"): {
        "source_anonymity": ("B", None, "D7 state collective: named"),
        "source_kind": ("A", None, "D8 the source span is the authorities (issuer), not the order: dprk_official"),
        "source_id": ("A", None, "D8 the authorities chain, not the order's chain (a document has its own id)")},
    ("002", "However, the order", "called for"): {
        "source_anonymity": ("B", None, "D7 order of the named authorities: named")},
    ("002", "done, he said", "said"): {
        "content": ("A", None, "D6 the connective 'but' stays out of content (like 'However,')")},
    ("002", "also made clear", "made clear"): {
        "source_anonymity": ("B", None, "D7 state collective: named"),
        "source_kind": ("A", None, "D8 source span is 'North Korean authorities': dprk_official"),
        "source_id": ("A", None, "D8 authorities chain, not the order's chain"),
        "content": ("A", None, "D6 indirect content runs to the sentence-final period; the appositive gloss stays inside the clause")},
    ("002", "Many workers apparently", "believing"): {
        "source_id": ("B", None, "D10 'Many workers' resumes 'Many North Korean workers in Russia' of the previous sentence")},
    ("002", "is expected to rise", "is expected"): {
        "content": ("A", None, "D6 raising cue: content = raised subject + 'to rise'; the 'With ...' adjunct is the writer's framing")},
    ("003", "Laborers warned", "warned"): {
        "cue": ("B", None, "D3 the preposition selected by the cue verb for its content NP belongs to the cue ('called for', 'Based on', 'warned about')")},
}

# Values the adjudicator sets on records whatever A/B said (consistency of D7 across articles).
# key -> {field: value}
FORCE = {
    ("000", "The North Korean authorities have", "have ordered its companies in Russia"): {"source_anonymity": "named"},
    ("001", "authorities gave the order", "gave the order"): {"source_anonymity": "named"},
    ("001", "I knew at a job site said that authorities", "ordered"): {"source_anonymity": "named"},
    ("002", "This essentially", "revealed"): {"source_anonymity": "named"},
    ("002", "With North Korean authorities ordering", "ordering workers"): {"source_anonymity": "named"},
}

# Source coreference chains in gold: each chain is a list of (anchor, source text) naming SOURCE spans.
CHAINS = {
    "000": [[("North Korean state media reported", "North Korean state media")],
            [("Daily NK has learned", "Daily NK"), ("Daily NK has reported", "Daily NK")],
            [("The North Korean authorities have", "The North Korean authorities")],
            [("a source in Russia on", "a source in Russia"), ("the source said", "the source")],
            [("the president of the Namgang Corporation", "the president of the Namgang Corporation"),
             ("the president of Namgang Corporation", "the president of Namgang Corporation"),
             ("He urged", "He"), ("The company’s president", "The company’s president")],
            [("His statement", "His statement")],
            [("the North Korean government believes", "the North Korean government")],
            [("a state security official", "a state security official")],
            [("workers said among", "workers")]],
    "001": [[("sources in Russia told", "sources in Russia")],
            [("authorities gave the order", "authorities"), ("that authorities fear", "authorities"),
             ("said that authorities ordered", "authorities")],
            [("the source told RFA’s", "the source"), ("said the source, who", "the source"),
             ("according to the source.\n\n“The human", "the source"), ("papers,” he said", "he"),
             ("escape,” said the source", "the source"), ("cellphones, according to the source", "the source"),
             ("lax,” he said", "he")],
            [("One North Korean worker I knew at a job site", "One North Korean worker I knew at a job site")],
            [("another Russian citizen of Korean descent", "another Russian citizen of Korean descent"),
             ("said the second source", "the second source"), ("positions, the second source", "the second source"),
             ("better,” the second source", "the second source")]],
    "002": [[("a Daily NK source in Russia", "a Daily NK source in Russia")],
            [("issued an order", "an order"), ("However, the order", "the order"), ("This essentially", "This")],
            [("In the order, the authorities", "the authorities"),
             ("North Korean authorities also made clear", "North Korean authorities"),
             ("With North Korean authorities ordering", "North Korean authorities")],
            [("The lecturer said", "The lecturer"), ("The lecturer also", "The lecturer"), ("He added", "He")],
            [("A North Korean defector who had worked in Russia", "A North Korean defector who had worked in Russia"),
             ("done, he said", "he")],
            [("all workers know", "all workers")],
            [("A high-ranking source in North Korea", "A high-ranking source in North Korea")],
            [("Daily NK’s reporting", "Daily NK’s reporting")],
            [("Many North Korean workers in Russia reportedly", "Many North Korean workers in Russia"),
             ("Many workers apparently", "Many workers")]],
    "003": [[("Daily NK has learned", "Daily NK")],
            [("a Daily NK source in Russia", "a Daily NK source in Russia"), ("fierce, the source", "the source"),
             ("North Korea,” the source", "the source"), ("Internet, the source", "the source"),
             ("bed, the source", "the source"), ("access,” he said", "he")],
            [("North Korean authorities are said", "North Korean authorities")]],
    "004": [[("a reporting partner in North Korea", "a reporting partner in North Korea"),
             ("however, the reporting partner", "the reporting partner"),
             ("RUB 70,000,” the reporting partner", "the reporting partner"), ("exchanges, he explained", "he"),
             ("In short, the reporting partner", "the reporting partner")],
            [("Daily NK reported", "Daily NK")],
            [("North Korea ordered", "North Korea")],
            [("issued a statement", "a statement"), ("The statement said", "The statement"),
             ("The statement suggests", "The statement")],
            [("that Russia and North Korea believe", "Russia and North Korea")]],
}


def main():
    allrep, tallies = [], Counter()
    rule_change = Counter()
    counts = {}
    for doc in DOCS:
        short = doc[:3]
        text = text_of(doc)
        A, B = load("a", doc, text), load("b", doc, text)
        for who, recs in (("A", A), ("B", B)):
            for r in recs:
                if r["parent"] is not None or any(
                        o is not r and any(c[0] <= r["cue"][0] and r["cue"][1] <= c[1] for c in o["content"]) for o in recs):
                    pass
                if r["n_pieces"] > len(r["content"]):
                    rule_change[who] += 1
        # resolve keys to cue extents
        def key_cue(k):
            return cue_at(text, k[1], k[2], k[3] if len(k) > 3 else 1)
        one_sided = {key_cue(k): v for k, v in ONE_SIDED.items() if k[0] == short}
        field_dec = {key_cue(k): v for k, v in FIELD.items() if k[0] == short}
        force = {key_cue(k): v for k, v in FORCE.items() if k[0] == short}
        used_keys = set()
        # match by overlapping cues
        pairs, usedB = [], set()
        for a in A:
            m = [b for b in B if overlaps(a["cue"], b["cue"])]
            assert len(m) <= 1, (doc, a)
            if m:
                pairs.append((a, m[0])); usedB.add(id(m[0]))
            else:
                pairs.append((a, None))
        pairs += [(None, b) for b in B if id(b) not in usedB]
        # chains of A and B as partitions over source extents, for source_id comparison
        def chainmap(recs):
            g = defaultdict(set)
            for r in recs:
                if r["source"]:
                    g[r["source_id"]].add(r["source"])
            return {s: frozenset(v) for v in g.values() for s in v}
        chA, chB = chainmap(A), chainmap(B)
        gold = []
        pend_src = []
        for a, b in pairs:
            if a is None or b is None:
                r = a or b
                who = "A" if a else "B"
                code = f"RECORD_{who}_ONLY"
                dec = one_sided.get(r["cue"]) or next((v for k, v in one_sided.items() if overlaps(k, r["cue"])), None)
                assert dec, f"undecided one-sided record {doc} {who} {text[r['cue'][0]:r['cue'][1]]!r} at {r['cue']}"
                used_keys.add(r["cue"])
                winner = who if dec[0] == "keep" else ("B" if who == "A" else "A")
                allrep.append((short, code, text[r["cue"][0]:r["cue"][1]], r["cue"][0], winner, dec[1]))
                tallies[(code, winner)] += 1
                if dec[0] == "keep":
                    g = dict(r)
                    g["chain_hint"] = (who, r["source_id"])
                    gold.append(g)
                continue
            g = {}
            decs = field_dec.get(a["cue"]) or field_dec.get(b["cue"]) or {}
            if decs:
                used_keys.add(a["cue"] if a["cue"] in field_dec else b["cue"])
            for fld, code in (("source", "EXTENT_SOURCE"), ("cue", "EXTENT_CUE"), ("content", "EXTENT_CONTENT"),
                              ("source_anonymity", "ATTR_ANONYMITY"), ("source_kind", "ATTR_KIND"),
                              ("quote_type", "ATTR_QUOTE_TYPE"), ("parent_cue", "LINK_PARENT"),
                              ("source_id", "LINK_SOURCE_ID")):
                if fld == "source_id":
                    va = chA.get(a["source"]) if a["source"] else None
                    vb = chB.get(b["source"]) if b["source"] else None
                    # compare partitions restricted to sources both annotated
                    common = set(chA) & set(chB)
                    va = va & common if va else va
                    vb = vb & common if vb else vb
                else:
                    va, vb = a[fld], b[fld]
                if va == vb:
                    g[fld] = a[fld]
                    continue
                if fld == "source_id":
                    reason = decs.get("source_id", (None, None, "D10 coreference chains as listed in CHAINS"))[2]
                    allrep.append((short, code, text[a["cue"][0]:a["cue"][1]], a["cue"][0], "?", reason))
                    pend_src.append((len(allrep) - 1, va, vb, common))
                    continue
                if fld == "parent_cue":
                    g[fld] = None  # recomputed structurally below
                    allrep.append((short, code, text[a["cue"][0]:a["cue"][1]], a["cue"][0], "?", "recomputed"))
                    continue
                assert fld in decs, f"undecided {code} {doc} cue {text[a['cue'][0]:a['cue'][1]]!r}@{a['cue'][0]}: A={va} B={vb}"
                winner, value, reason = decs[fld]
                src = a if winner == "A" else b
                g[fld] = src[fld] if value is None else value
                if fld == "source_id":
                    g["chain_hint"] = (winner, src["source_id"])
                allrep.append((short, code, text[a["cue"][0]:a["cue"][1]], a["cue"][0], winner, reason))
                tallies[(code, winner)] += 1
            gold.append(g)
        for k in one_sided:
            assert k in used_keys, (doc, "unused one-sided decision", k)
        for k in field_dec:
            assert k in used_keys, (doc, "unused field decision", k)
        # forced consistency values
        for g in gold:
            for k, vals in force.items():
                if overlaps(k, g["cue"]):
                    g.update(vals)
        # parents: innermost record whose content contains the cue
        for g in gold:
            best = None
            for o in gold:
                if o is g:
                    continue
                for c in o["content"]:
                    if c[0] <= g["cue"][0] and g["cue"][1] <= c[1] and (best is None or c[1] - c[0] < best[0]):
                        best = (c[1] - c[0], o)
            g["parent_obj"] = best[1] if best else None
        for (sh, code, cue, off, w, reason) in list(allrep):
            if sh == short and code == "LINK_PARENT" and w == "?":
                gg = next(x for x in gold if x["cue"][0] <= off < x["cue"][1])
                pa = next(x for x in A if x["cue"][0] <= off < x["cue"][1])
                pb = next(x for x in B if x["cue"][0] <= off < x["cue"][1])
                got = gg["parent_obj"]["cue"] if gg["parent_obj"] else None
                w2 = "A" if got == pa["parent_cue"] else "B" if got == pb["parent_cue"] else "new"
                allrep[allrep.index((sh, code, cue, off, w, reason))] = (
                    sh, code, cue, off, w2, "D2 parent = innermost record whose CONTENT contains the cue")
                tallies[(code, w2)] += 1
        # source chains
        chain_of = {}
        for i, cc in enumerate(CHAINS[short]):
            for anchor, st in cc:
                assert st in anchor, (anchor, st)
                aa, _ = find(text, anchor)
                pos = aa + anchor.index(st)
                chain_of[(pos, pos + len(st))] = i
        assert len(chain_of) == sum(len(cc) for cc in CHAINS[short]), short
        for idx, va, vb, common in pend_src:
            sh, code, cue, off, w, reason = allrep[idx]
            gsrc = next(x for x in gold if x["cue"][0] <= off < x["cue"][1])["source"]
            gv = frozenset(x for x in common if chain_of.get(x) == chain_of[gsrc])
            w2 = "A" if gv == va else "B" if gv == vb else "new"
            allrep[idx] = (sh, code, cue, off, w2, reason)
            tallies[(code, w2)] += 1
        # emit
        spans = {}
        for g in gold:
            if g["source"]:
                spans[(g["source"], "SOURCE")] = None
            spans[(g["cue"], "CUE")] = None
            for c in g["content"]:
                spans[(tuple(c), "CONTENT")] = None
        order = {"SOURCE": 0, "CUE": 1, "CONTENT": 2}
        keys = sorted(spans, key=lambda k: (k[0][0], -k[0][1], order[k[1]]))
        sid = {k: f"{doc}-S{i}" for i, k in enumerate(keys, 1)}
        def ext(g):
            xs = [g["cue"]] + [tuple(c) for c in g["content"]] + ([g["source"]] if g["source"] else [])
            return min(x[0] for x in xs), max(x[1] for x in xs)
        gold.sort(key=lambda g: (ext(g)[0], -ext(g)[1], g["cue"][0]))  # text order; outer before inner on a tie
        rid = {id(g): f"{doc}-A{i}" for i, g in enumerate(gold, 1)}
        srcs = sorted({g["source"] for g in gold if g["source"]})
        chain_first = {}
        for s in srcs:
            assert s in chain_of, (doc, "source not in a chain", s, text[s[0]:s[1]])
            chain_first.setdefault(chain_of[s], s)
        chain_rank = {c: i for i, c in enumerate(sorted(chain_first, key=lambda c: chain_first[c]), 1)}
        out_spans = [dict(id=sid[k], start=k[0][0], end=k[0][1], text=text[k[0][0]:k[0][1]], role=k[1]) for k in keys]
        out_recs = []
        for g in gold:
            out_recs.append(dict(
                id=rid[id(g)],
                source=sid[(g["source"], "SOURCE")] if g["source"] else None,
                cue=sid[(g["cue"], "CUE")],
                content=[sid[(tuple(c), "CONTENT")] for c in sorted(g["content"])],
                source_anonymity=g["source_anonymity"] if g["source"] else "not_applicable",
                source_kind=g["source_kind"],
                quote_type=g["quote_type"],
                source_id=f"{doc}-src{chain_rank[chain_of[g['source']]]}" if g["source"] else None,
                parent=rid[id(g["parent_obj"])] if g["parent_obj"] else None))
        check(doc, short, text, out_spans, out_recs)
        frag = {"doc_id": doc, "attribution_spans": out_spans, "attributions": out_recs}
        (HERE / f"{doc}.json").write_text(json.dumps(frag, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        counts[doc] = (Counter(s["role"] for s in out_spans), len(out_recs),
                       sum(1 for r in out_recs if r["parent"]), Counter(r["source_kind"] for r in out_recs))
    write_report(allrep, tallies, rule_change, counts)


def check(doc, short, text, spans, recs):
    raw = (RAW / f"{doc}.txt").read_bytes()
    ann = Annotation(doc_id=doc, text_sha256=hashlib.sha256(raw).hexdigest(),
                     attribution_spans=[AttributionSpan(**s) for s in spans],
                     attributions=[Attribution(**r) for r in recs])
    probs = V.check_spans(doc, text, ann) + V.check_overlaps(doc, ann) + V.check_references(doc, ann) + V.check_ids(doc, ann)
    assert not probs, probs
    sp = {s["id"]: s for s in spans}
    for s in spans:
        assert text[s["start"]:s["end"]] == s["text"] and s["text"] == s["text"].strip() and s["text"]
        # only headline/caption/body
        tail = text.index(TAIL[short])
        assert s["end"] <= tail, s
        if short in HEAD:
            h0 = text.index(HEAD[short][0]); h1 = text.index(HEAD[short][1]) + len(HEAD[short][1])
            assert not overlaps((s["start"], s["end"]), (h0, h1)), s
    used = {r["cue"] for r in recs} | {r["source"] for r in recs if r["source"]} | {c for r in recs for c in r["content"]}
    assert used == set(sp), (doc, set(sp) - used)
    byid = {r["id"]: r for r in recs}
    for r in recs:
        assert (r["source"] is None) == (r["source_anonymity"] == "not_applicable") == (r["source_id"] is None), r
        if r["parent"]:
            p = byid[r["parent"]]; c = sp[r["cue"]]
            assert any(sp[x]["start"] <= c["start"] and c["end"] <= sp[x]["end"] for x in p["content"]), r
        seen, cur = set(), r
        while cur["parent"]:
            assert cur["id"] not in seen, ("cycle", r)
            seen.add(cur["id"]); cur = byid[cur["parent"]]
        qs = [sp[x]["text"] for x in r["content"]]
        if r["quote_type"] == "direct":
            assert all(q[0] in "“\"" and q[-1] in "”\"" for q in qs), r
        if r["quote_type"] == "indirect":
            assert not any("“" in q for q in qs), r
    # same-role spans never overlap except CONTENT nesting (validator checks crossing)
    for role in ("SOURCE", "CUE"):
        xs = sorted((s["start"], s["end"]) for s in spans if s["role"] == role)
        assert all(x[1] <= y[0] for x, y in zip(xs, xs[1:])), (doc, role)


def write_report(allrep, tallies, rule_change, counts):
    codes = sorted({c for c, _ in tallies})
    lines = ["# Attribution layer: adjudication of annotators A and B", "",
             "Generated by `build_gold_attribution.py` (do not edit by hand). Records of A and B are matched by",
             "overlapping CUE spans after merging each record's CONTENT pieces that are separated only by",
             "whitespace (the project's rule change: nested CONTENT allowed, so the outer record's content is one",
             "span). Decision numbers (D1...) refer to the decisions log in GUIDELINES-attribution.md.", "",
             "## Rule change applied to both annotators", "",
             f"Records whose CONTENT pieces were merged into one span around nested material: A {rule_change['A']}, B {rule_change['B']}.",
             "(Not counted as disagreements: both split outer content around inner content as the old brief required.)", "",
             "## Tallies (disagreement code x outcome)", "",
             "| code | to A | to B | new decision | total |", "|---|---|---|---|---|"]
    tot = Counter()
    for c in codes:
        a, b, n = tallies[(c, "A")], tallies[(c, "B")], tallies[(c, "new")]
        tot.update({"A": a, "B": b, "new": n})
        lines.append(f"| {c} | {a} | {b} | {n} | {a + b + n} |")
    lines.append(f"| **all** | {tot['A']} | {tot['B']} | {tot['new']} | {sum(tot.values())} |")
    lines += ["", "Codes: RECORD_A_ONLY / RECORD_B_ONLY (a record one annotator made; 'to A' = kept if A-only,",
              "dropped if B-only), EXTENT_SOURCE / EXTENT_CUE / EXTENT_CONTENT (same record, different span),",
              "ATTR_ANONYMITY / ATTR_KIND / ATTR_QUOTE_TYPE, LINK_PARENT, LINK_SOURCE_ID (different coreference",
              "partition of the sources both annotated).",
              "'new decision' = the gold value is neither A's nor B's.", "",
              "Consistency changes beyond the A/B disagreements (value set by the adjudicator on records that",
              "only A made, where A's value contradicts decision D7): " + "; ".join(
                  f"{k[0]} `{k[2]}` -> {v}" for k, v in FORCE.items()) + ".", "",
              "Agreed decisions confirmed (no disagreement): 'apparently' / 'appears' not cues; 001 verbless sentence",
              "gives no outer record; photo credits not attributions; agentless 'reportedly'/'are said to'/'is expected'",
              "source null, kind other; agentless warnings kind dprk_official.", "",
              "## Every disagreement", "", "| doc | code | cue (offset) | outcome | reason |", "|---|---|---|---|---|"]
    for sh, code, cue, off, w, reason in sorted(allrep, key=lambda x: (x[0], x[3], x[1])):
        lines.append(f"| {sh} | {code} | `{cue}` ({off}) | {w} | {reason} |")
    lines += ["", "## Gold counts", "", "| doc | SOURCE | CUE | CONTENT | records | nested |", "|---|---|---|---|---|---|"]
    T = Counter()
    for doc, (c, n, nested, kinds) in counts.items():
        lines.append(f"| {doc} | {c['SOURCE']} | {c['CUE']} | {c['CONTENT']} | {n} | {nested} |")
        T.update({"S": c["SOURCE"], "C": c["CUE"], "T": c["CONTENT"], "n": n, "nest": nested})
    lines.append(f"| total | {T['S']} | {T['C']} | {T['T']} | {T['n']} | {T['nest']} |")
    K = Counter()
    for doc, (_, _, _, kinds) in counts.items():
        K.update(kinds)
    lines += ["", "source_kind over all records: " + ", ".join(f"{k} {v}" for k, v in sorted(K.items()))]
    (HERE / "ADJUDICATION.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
