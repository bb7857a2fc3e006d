#!/usr/bin/python3
"""Compare fastText configurations on the validation split of our data sets.

Research tool, not part of the build or the tests. It reads the data set
exactly as `moderated train` builds it (normalised, tokenised, deduplicated,
split), exported with

    moderated train --data-dir ../shared/data --export-dataset build/dataset.jsonl

and trains each configuration below with fastText's own Python binding
(Debian: python3-fasttext python3-numpy; run with /usr/bin/python3), on the
train split only. For every data set it prints, on the validation split,
ROC AUC of the set's task label and the recall at 1 % and 3 % of that set's
ham flagged, from exact scores (hidden layer times output matrix, as the
daemon computes them, not fastText's table sigmoid). The test split is never
read. docs/classifier.md records what it printed.

    /usr/bin/python3 tools/experiments/fasttext_grid.py build/dataset.jsonl [name ...]
"""
import json
import random
import sys
import tempfile

import fasttext
import numpy as np

TASK = {
    "youtube": "spam", "sms": "spam", "arabic-spam": "spam", "antispambot": "spam",
    "radio-t": "spam", "mpold": "abuse", "osact2020": "abuse", "russian-toxic": "abuse",
    "impermium": "abuse", "davidson": "abuse", "ethos": "abuse", "alakrot": "abuse",
    "t-hsab": "abuse", "darija": "abuse",
}
LABELS = ("spam", "abuse", "ham")
BASE = dict(epoch=10, lr=0.2, dim=50, wordNgrams=2, minn=3, maxn=6, bucket=500000,
            loss="ova", thread=2, seed=42, verbose=0)
CONFIGS = {
    "shipped": {},
    "epoch5-lr0.5": dict(epoch=5, lr=0.5),
    "epoch25-lr0.5": dict(epoch=25, lr=0.5),
    "epoch10-lr0.5": dict(lr=0.5),
    "dim100": dict(dim=100),
    "unigrams": dict(wordNgrams=1),
    "trigrams": dict(wordNgrams=3),
    "char2-5": dict(minn=2, maxn=5),
}


def write_train(rows, path, label_fn):
    rows = list(rows)
    random.Random(42).shuffle(rows)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(" ".join("__label__" + l for l in label_fn(r)) + " " + r["tokens"] + "\n")


def logits(model, rows):
    out = model.get_output_matrix()
    names = [l.replace("__label__", "") for l in model.get_labels()]
    hidden = np.array([model.get_sentence_vector(r["tokens"]) for r in rows])
    z = hidden @ out.T
    res = np.full((len(rows), len(LABELS)), -30.0)
    for j, label in enumerate(LABELS):
        if label in names:
            res[:, j] = z[:, names.index(label)]
    return res


def auc(scores, positive):
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    npos = positive.sum()
    nneg = len(positive) - npos
    return (ranks[positive].sum() - npos * (npos + 1) / 2) / (npos * nneg)


def recall_at(scores, positive, ham_share):
    ham = np.sort(scores[~positive])[::-1]
    k = int(ham_share * len(ham))
    threshold = ham[k] if k < len(ham) else -np.inf
    return (scores[positive] > threshold).mean()


def main():
    rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    train = [r for r in rows if r["split"] == "train"]
    validation = [r for r in rows if r["split"] == "validation"]
    names = sys.argv[2:] or list(CONFIGS)
    with tempfile.TemporaryDirectory() as tmp:
        path = tmp + "/train.txt"
        write_train(train, path, lambda r: [r["label"]])
        for name in names:
            args = dict(BASE, **CONFIGS[name])
            model = fasttext.train_supervised(path, **args)
            z = logits(model, validation)
            cells, aucs, r1s, r3s = [], [], [], []
            for source in sorted(TASK):
                idx = np.array([i for i, r in enumerate(validation) if r["source"] == source])
                if len(idx) == 0:
                    continue
                label = TASK[source]
                positive = np.array([validation[i]["label"] == label for i in idx])
                if positive.all() or (~positive).sum() < 40:
                    continue
                s = z[idx, LABELS.index(label)]
                a, r1, r3 = auc(s, positive), recall_at(s, positive, 0.01), recall_at(s, positive, 0.03)
                aucs.append(a), r1s.append(r1), r3s.append(r3)
                cells.append(f"{source} {a:.3f}/{r1:.2f}/{r3:.2f}")
            print(f"{name}: mean AUC {np.mean(aucs):.4f}, recall at 1% ham {np.mean(r1s):.3f}, "
                  f"at 3% ham {np.mean(r3s):.3f}")
            print("   " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
