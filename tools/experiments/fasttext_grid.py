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

    /usr/bin/python3 tools/experiments/fasttext_grid.py [--seed N] build/dataset.jsonl [name ...]

A configuration may also carry two keys that are not fastText's:

* "repeat": {source: n} writes each train example of that source n times, as
  `moderated train --repeat` does (the shipped model uses radio-t=10);
* "pretrain": fastText arguments for an unsupervised model (skipgram or cbow)
  trained first on the `tokens` of the train and validation splits, never the
  test split; its word vectors (words with subword information, as
  get_word_vector gives them) are written as a .vec file and passed to the
  supervised training as pretrainedVectors. fastText adds the file's words to
  the supervised dictionary (so words seen only in validation text get a row)
  and copies their rows; the character n-gram and bigram rows start random
  as without it.

--seed sets the seed of both trainings (default 42). With two threads a run
is not repeatable to the last digit even with the same seed.
"""
import json
import os
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
    "shipped-repeat": dict(repeat={"radio-t": 10}),
    "pre-skipgram5": dict(pretrain=dict(model="skipgram", epoch=5)),
    "pre-skipgram10": dict(pretrain=dict(model="skipgram", epoch=10)),
    "pre-cbow5": dict(pretrain=dict(model="cbow", epoch=5)),
    "pre-cbow10": dict(pretrain=dict(model="cbow", epoch=10)),
    "pre-skipgram5-repeat": dict(pretrain=dict(model="skipgram", epoch=5), repeat={"radio-t": 10}),
    "pre-skipgram10-repeat": dict(pretrain=dict(model="skipgram", epoch=10),
                                  repeat={"radio-t": 10}),
    "pre-cbow5-repeat": dict(pretrain=dict(model="cbow", epoch=5), repeat={"radio-t": 10}),
    "pre-cbow10-repeat": dict(pretrain=dict(model="cbow", epoch=10), repeat={"radio-t": 10}),
}
# The unsupervised model's own settings; dim, minn, maxn and seed follow the
# supervised configuration (dim must match for pretrainedVectors).
PRETRAIN = dict(minCount=1, bucket=500000, thread=2, verbose=0)


def train_unsupervised(path, **kwargs):
    """fasttext.train_unsupervised, but passing seed on (0.9.2's binding
    drops it from its argument list)."""
    from fasttext import FastText as ft
    args, manually_set = ft.read_args((path,), kwargs, ["input"] + list(kwargs),
                                      ft.unsupervised_default)
    a = ft._build_args(args, manually_set)
    model = ft._FastText(args=a)
    ft.fasttext.train(model.f, a)
    model.set_args(model.f.getArgs())
    return model


def write_train(rows, path, label_fn, repeat=None):
    rows = [r for r in rows for _ in range((repeat or {}).get(r["source"], 1))]
    random.Random(42).shuffle(rows)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(" ".join("__label__" + l for l in label_fn(r)) + " " + r["tokens"] + "\n")


def write_vectors(rows, tmp, args, settings):
    """Trains the unsupervised model on rows' tokens; returns the .vec path
    (one per distinct setting, reused by configurations that share it)."""
    options = dict(PRETRAIN, dim=args["dim"], minn=args["minn"], maxn=args["maxn"],
                   seed=args["seed"], **settings)
    path = tmp + "/pretrained-" + "-".join(f"{k}{v}" for k, v in sorted(options.items())) + ".vec"
    if os.path.exists(path):
        return path
    text = tmp + "/unsupervised.txt"
    with open(text, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(r["tokens"] + "\n")
    model = train_unsupervised(text, **options)
    words = model.get_words()
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{len(words)} {model.get_dimension()}\n")
        for w in words:
            f.write(w + " " + " ".join(f"{x:.6f}" for x in model.get_word_vector(w)) + "\n")
    return path


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
    argv = sys.argv[1:]
    seed = 42
    if argv[:1] == ["--seed"]:
        seed, argv = int(argv[1]), argv[2:]
    rows = [json.loads(line) for line in open(argv[0], encoding="utf-8")]
    train = [r for r in rows if r["split"] == "train"]
    validation = [r for r in rows if r["split"] == "validation"]
    names = argv[1:] or list(CONFIGS)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            args = dict(BASE, seed=seed, **CONFIGS[name])
            path = tmp + "/train.txt"
            write_train(train, path, lambda r: [r["label"]], args.pop("repeat", None))
            pretrain = args.pop("pretrain", None)
            if pretrain is not None:
                args["pretrainedVectors"] = write_vectors(train + validation, tmp, args, pretrain)
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
            print(f"{name} (seed {seed}): mean AUC {np.mean(aucs):.4f}, recall at 1% ham {np.mean(r1s):.3f}, "
                  f"at 3% ham {np.mean(r3s):.3f}")
            print("   " + "; ".join(cells), flush=True)


if __name__ == "__main__":
    main()
