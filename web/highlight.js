// Highlights the spans of rule matches in a comment.
//
// The daemon reports spans as [begin, end) UTF-8 BYTE offsets into the text
// exactly as the site sent it (docs/api.md "Text offsets"). JavaScript
// strings are UTF-16, so the text is encoded to bytes, cut at the byte
// offsets and each piece decoded again: a span over "КАЗИНО" (12 bytes) or
// "كازينو" (12 bytes) marks exactly those letters, whatever comes before.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function isContinuation(byte) {
  return (byte & 0xc0) === 0x80;
}

// Spans that are usable on `bytes`: clamped, moved outwards to whole UTF-8
// characters, sorted, and merged where they overlap or touch. Each result is
// {begin, end, titles: [...]}.
export function normalizeSpans(bytes, spans) {
  const list = [];
  for (const s of spans) {
    let b = Math.max(0, Math.min(bytes.length, Math.trunc(Number(s.begin))));
    let e = Math.max(0, Math.min(bytes.length, Math.trunc(Number(s.end))));
    if (!Number.isFinite(b) || !Number.isFinite(e) || e <= b) continue;
    while (b > 0 && isContinuation(bytes[b])) b--;
    while (e < bytes.length && isContinuation(bytes[e])) e++;
    list.push({begin: b, end: e, titles: s.title ? [s.title] : []});
  }
  list.sort((x, y) => x.begin - y.begin || x.end - y.end);
  const merged = [];
  for (const s of list) {
    const last = merged[merged.length - 1];
    if (last && s.begin <= last.end) {
      last.end = Math.max(last.end, s.end);
      for (const t of s.titles) if (!last.titles.includes(t)) last.titles.push(t);
    } else {
      merged.push({...s, titles: [...s.titles]});
    }
  }
  return merged;
}

// Appends `text` to `parent` as text nodes, with <mark> around the spans.
// `spans` is [{begin, end, title}] in bytes. Returns the <mark> elements.
export function appendHighlighted(parent, text, spans) {
  const bytes = encoder.encode(text);
  const marks = [];
  let pos = 0;
  for (const s of normalizeSpans(bytes, spans)) {
    if (s.begin > pos) parent.append(document.createTextNode(decoder.decode(bytes.subarray(pos, s.begin))));
    const mark = document.createElement('mark');
    mark.textContent = decoder.decode(bytes.subarray(s.begin, s.end));
    if (s.titles.length) mark.title = s.titles.join(', ');
    parent.append(mark);
    marks.push(mark);
    pos = s.end;
  }
  if (pos < bytes.length) parent.append(document.createTextNode(decoder.decode(bytes.subarray(pos))));
  return marks;
}

// The spans of a verdict's reasons for one field ("content", "author.name",
// ...), from `spans` when a reason has several, else its `span`.
export function spansForField(reasons, fieldName) {
  const out = [];
  for (const r of reasons || []) {
    if (r.field !== fieldName) continue;
    const all = Array.isArray(r.spans) && r.spans.length ? r.spans : (Array.isArray(r.span) ? [r.span] : []);
    for (const sp of all) {
      if (Array.isArray(sp) && sp.length === 2) out.push({begin: sp[0], end: sp[1], title: r.rule});
    }
  }
  return out;
}
