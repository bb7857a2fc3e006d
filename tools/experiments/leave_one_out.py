#!/usr/bin/python3
"""How well a configuration generalises to a data set it never saw.

Research tool, not part of the build or the tests. For each held-out data set
S it trains on the train split of every *other* data set (the shipped
weighting: radio-t ten times), places the hold threshold where the product
would, at 1 % of the validation ham of the other data sets in S's language,
and then judges every row of S (all splits: S was never trained on). That is
the situation of a site whose data the team never had (docs/classifier.md,
"Generalising"). Input as for fasttext_grid.py:

    moderated train --data-dir ../shared/data --export-dataset build/dataset.jsonl
    /usr/bin/python3 tools/experiments/leave_one_out.py build/dataset.jsonl [config ...]

Prints, per held-out set and configuration: ROC AUC, recall and ham flagged at
that threshold, and F1 of flagged.
"""
import json
import random
import re
import sys
import tempfile

import fasttext
import numpy as np

from fasttext_grid import BASE, LABELS, TASK, auc, logits

HELD_OUT = ["radio-t", "antispambot", "mpold", "osact2020", "t-hsab", "alakrot", "impermium"]
LANGUAGE = {"radio-t": "ru", "antispambot": "ru", "russian-toxic": "ru", "mpold": "ar",
            "osact2020": "ar", "t-hsab": "ar", "alakrot": "ar", "darija": "ar",
            "arabic-spam": "ar", "impermium": "en", "davidson": "en", "ethos": "en",
            "sms": "en", "youtube": "en"}
PAYLOAD = re.compile(r"__url__|__handle__|__phone__|__email__|__num__|\d")
CONFIGS = {
    "shipped": ({}, None),
    "char4-6": (dict(minn=4, maxn=6), None),
    "char5-6": (dict(minn=5, maxn=6), None),
    "words": (dict(minn=0, maxn=0), None),
    # Decision-level: no classifier spam on a text of <= 3 words with no link,
    # handle, phone, e-mail or number (nothing a spammer could be selling).
    "shipped+gate": ({}, "gate"),
    # Token transforms (applied to training and judged text alike).
    "collapse": ({}, "collapse"),  # a letter repeated 3+ times -> twice
    "light-stem": ({}, "stem"),    # Arabic: و/ف + ال/بال/وال/لل prefixes stripped
}
AR_PREFIX = re.compile(r"^(?:وال|بال|فال|كال|لل|ال|و(?=ال))")
REPEAT = re.compile(r"(.)\1{2,}")


def transform(rows, how):
    if how not in ("collapse", "stem"):
        return rows
    out = []
    for r in rows:
        words = r["tokens"].split()
        if how == "collapse":
            words = [REPEAT.sub(r"\1\1", w) for w in words]
        else:
            words = [AR_PREFIX.sub("", w) if len(w) > 4 else w for w in words]
        out.append(dict(r, tokens=" ".join(words)))
    return out


def write_train(rows, path):
    rows = list(rows)
    random.Random(42).shuffle(rows)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            copies = 10 if r["source"] == "radio-t" else 1
            for _ in range(copies):
                f.write("__label__" + r["label"] + " " + r["tokens"] + "\n")


def gated(rows, scores):
    out = scores.copy()
    for i, r in enumerate(rows):
        if len(r["text"].split()) <= 3 and not PAYLOAD.search(r["tokens"]):
            out[i] = -30.0
    return out


def main():
    rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    names = [n for n in sys.argv[2:] if n in CONFIGS] or list(CONFIGS)
    only = [n for n in sys.argv[2:] if n in LANGUAGE]
    held_out = only or HELD_OUT
    with tempfile.TemporaryDirectory() as tmp:
        for held in held_out:
            lang, label = LANGUAGE[held], TASK[held]
            train = [r for r in rows if r["split"] == "train" and r["source"] != held]
            calib = [r for r in rows if r["split"] == "validation" and r["source"] != held
                     and LANGUAGE[r["source"]] == lang and r["label"] == "ham"]
            test = [r for r in rows if r["source"] == held]
            models = {}
            for name in names:
                args, post = CONFIGS[name]
                key = json.dumps([args, post if post != "gate" else None], sort_keys=True)
                if key not in models:
                    path = f"{tmp}/train.txt"
                    write_train(transform(train, post), path)
                    models[key] = fasttext.train_supervised(path, **dict(BASE, **args))
                model = models[key]
                j = LABELS.index(label)
                c = logits(model, transform(calib, post))[:, j]
                s = logits(model, transform(test, post))[:, j]
                if post == "gate" and label == "spam":
                    c, s = gated(calib, c), gated(test, s)
                ham = np.sort(c)[::-1]
                threshold = ham[int(0.01 * len(ham))]
                positive = np.array([r["label"] == label for r in test])
                flagged = s > threshold
                tp = (flagged & positive).sum()
                recall = tp / positive.sum()
                precision = tp / max(flagged.sum(), 1)
                f1 = 2 * precision * recall / max(precision + recall, 1e-9)
                ham_held = (flagged & ~positive).sum() / max((~positive).sum(), 1)
                a = auc(s, positive) if (~positive).sum() else float("nan")
                print(f"{held:12} {name:14} AUC {a:.3f}  recall {recall:.3f}  "
                      f"ham held {100 * ham_held:5.1f} % ({(flagged & ~positive).sum()}/"
                      f"{(~positive).sum()})  F1 {f1:.3f}", flush=True)


if __name__ == "__main__":
    main()
