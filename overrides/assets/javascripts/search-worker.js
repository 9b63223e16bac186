/* Search for the reading list: Material's search worker protocol (SETUP, READY, QUERY, RESULT)
   over the paper index that generator/search.py writes into search/papers/.

   Material's search box, keyboard shortcuts and result list stay as they are; only the worker
   behind them changes (main.html points Material at this file). Papers come from the index:
   a query loads the dictionary bucket of each word, the postings of its terms and the result
   blocks, nothing else. Pages that are not papers (the home page, hand-written pages) come
   from Material's own small search_index.json and are matched here word by word.

   Runs as a real worker over HTTP (files fetched in parallel, cached by the browser) and inside
   Material's iframe-worker shim from disk (file://), where fetch is refused and importScripts
   adds script tags. The tokenizer must match generator/search.py: tests/test_search.py runs
   both on the same texts. */
"use strict";

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
const CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff";
const RUN = new RegExp(`([${CJK}]+)|((?:(?![${CJK}])[\\p{L}\\p{N}])+)`, "gu");
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const RESULTS = 20;        /* results shown, best first ("20 best matches") */
const COMPLETIONS = 40;    /* word forms a typed prefix may stand for */

const inShim = typeof document !== "undefined";
const here = inShim && document.currentScript ? document.currentScript.src : self.location.href;
const root = new URL("../../search/papers/", here.split("?")[0]);
const loaded = new Map();
self.__rl = (name, data) => { loaded.set(name, data); };

let manifest = null;
let pages = [];            /* Material's own documents: pages that are not papers */
let latest = 0;            /* the newest query; older ones stop when it arrives */

/* ------------------------------------------------------------------ loading */

async function load(names) {
  const missing = [...new Set(names)].filter(name => !loaded.has(name));
  if (!missing.length) return;
  if (inShim || location.protocol === "file:") {
    for (const name of missing) await importScripts(new URL(`${name}.js`, root).href);
    return;
  }
  await Promise.all(missing.map(async name => {
    const response = await fetch(new URL(`${name}.js`, root));
    if (!response.ok) throw new Error(`search index: ${name}: HTTP ${response.status}`);
    const text = await response.text();
    loaded.set(name, JSON.parse(text.slice(text.indexOf(",") + 1, text.lastIndexOf(")"))));
  }));
}

/* ------------------------------------------------------------------ words, as generator/search.py cuts them */

function fold(word) {
  return /^[\x00-\x7f]*$/.test(word) ? word : word.normalize("NFKD").replace(/\p{Mn}/gu, "");
}

/* The query's tokens: each a list of word forms that must all occur (CJK bigrams), and
   whether its last form is a prefix still being typed. */
function tokens(query) {
  const text = query.normalize("NFKC").toLowerCase();
  const stop = new Set(manifest ? manifest.stopwords : []);
  const out = [];
  for (const match of text.matchAll(RUN)) {
    if (match[1]) {
      const run = match[1];
      const grams = run.length === 1 ? [run] : [...Array(run.length - 1).keys()].map(i => run.slice(i, i + 2));
      out.push({ word: run, forms: grams, prefix: false });
    } else {
      const word = fold(match[2]);
      if (word && !stop.has(word)) out.push({ word: match[2], forms: [word], prefix: false });
    }
  }
  if (out.length && /[\p{L}\p{N}]$/u.test(query) && !out[out.length - 1].word.match(new RegExp(`[${CJK}]`)))
    out[out.length - 1].prefix = true;
  return out;
}

function fnv(form) {
  let h = 0x811c9dc5;
  const head = form.slice(0, 2);
  for (let i = 0; i < head.length; i++) {
    h ^= head.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % manifest.dictionary;
}

const dictionaries = new Map();
function dictionary(number) {
  let entries = dictionaries.get(number);
  if (!entries) {
    const text = loaded.get(`d/${number}`) || "";
    entries = text ? text.split("\n").map(line => line.split("\t")) : [];
    dictionaries.set(number, entries);
  }
  return entries;
}

/* Terms ("12" or "!12" for a term with a file of its own) a form stands for. */
function termsOf(form, prefix) {
  const entries = dictionary(fnv(form));
  let low = 0, high = entries.length;
  while (low < high) {                   /* entries are sorted by form */
    const mid = (low + high) >> 1;
    if (entries[mid][0] < form) low = mid + 1; else high = mid;
  }
  const found = [];
  for (let i = low; i < entries.length && found.length < (prefix ? COMPLETIONS : 1); i++) {
    const [candidate, term] = entries[i];
    if (prefix ? !candidate.startsWith(form) : candidate !== form) break;
    found.push(term);
  }
  return found;
}

function postingsFile(term) {
  return term.startsWith("!") ? `p/t${term.slice(1)}` : `p/${Number(term) % manifest.postings}`;
}

const decoded = new Map();
function postings(term) {
  const id = term.replace("!", "");
  let list = decoded.get(id);
  if (!list) {
    const text = (loaded.get(postingsFile(term)) || {})[id] || "";
    const docs = [], impacts = [];
    let doc = 0, gap = 0;
    for (let i = 0; i < text.length; i++) {
      const value = ALPHABET.indexOf(text[i]);
      gap = gap * 32 + (value & 31);
      if (value >= 32) continue;
      doc += gap; gap = 0;
      docs.push(doc);
      impacts.push(ALPHABET.indexOf(text[++i]));
    }
    list = { docs, impacts };
    decoded.set(id, list);
  }
  return list;
}

/* ------------------------------------------------------------------ results */

function escapeHTML(text) {
  return text.replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/* Text with every query word (or word start) marked, escaped for Material's result list,
   which inserts it as HTML. Matching is on the text folded character by character (a
   character whose folding changes its length, such as a ligature, stays as it is). */
function mark(text, words) {
  const parts = words.map(w => fold(w.normalize("NFKC").toLowerCase()).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).filter(Boolean);
  const folded = [...text].map(c => {
    const f = c.toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "");
    return f.length === c.length ? f : c;
  }).join("");
  if (!parts.length) return escapeHTML(text);
  let out = "", last = 0;
  for (const match of folded.matchAll(new RegExp(parts.join("|"), "gu"))) {
    if (!match[0]) continue;
    out += escapeHTML(text.slice(last, match.index)) + "<mark data-md-highlight>" +
      escapeHTML(text.slice(match.index, match.index + match[0].length)) + "</mark>";
    last = match.index + match[0].length;
  }
  return out + escapeHTML(text.slice(last));
}

async function searchPapers(query, id) {
  const words = tokens(query);
  if (!words.length || !manifest || !manifest.documents) return { items: [], words };
  await load(words.flatMap(w => w.forms.map(f => `d/${fnv(f)}`)));
  if (id !== latest) return null;
  const perWord = words.map(w => w.forms.map((f, i) => termsOf(f, w.prefix && i === w.forms.length - 1)));
  await load(perWord.flat(2).map(postingsFile));
  if (id !== latest) return null;
  /* A word matches a paper when all its forms do; its weight there is the best of its terms. */
  const scores = new Map(), matched = new Map();
  perWord.forEach((formTerms, w) => {
    let docs = null;
    for (const terms of formTerms) {
      const best = new Map();
      for (const term of terms) {
        const { docs: list, impacts } = postings(term);
        for (let i = 0; i < list.length; i++)
          if ((best.get(list[i]) || 0) < impacts[i]) best.set(list[i], impacts[i]);
      }
      if (docs === null) docs = best;
      else for (const [doc, impact] of docs) {
        if (!best.has(doc)) docs.delete(doc); else docs.set(doc, impact + best.get(doc));
      }
    }
    for (const [doc, impact] of docs || []) {
      scores.set(doc, (scores.get(doc) || 0) + impact);
      matched.set(doc, (matched.get(doc) || 0) | (1 << Math.min(w, 30)));
    }
  });
  /* Papers with every word first; with none having them all, the most words. */
  const count = bits => { let n = 0; while (bits) { n += bits & 1; bits >>>= 1; } return n; };
  const ranked = [...scores.keys()].sort((a, b) =>
    count(matched.get(b)) - count(matched.get(a)) || scores.get(b) - scores.get(a) || a - b);
  const top = ranked.slice(0, RESULTS);
  await load(top.map(doc => `m/${Math.floor(doc / manifest.meta)}`));
  if (id !== latest) return null;
  const items = top.map(doc => {
    const [slug, title, authors, year, teaser] = loaded.get(`m/${Math.floor(doc / manifest.meta)}`)[doc % manifest.meta];
    const terms = {};
    words.forEach((w, i) => { terms[w.word] = Boolean(matched.get(doc) & (1 << Math.min(i, 30))); });
    const byline = [authors, year].filter(Boolean).join(", ");
    return [{
      location: manifest.urls === "dir" ? `papers/${slug}/` : `papers/${slug}.html`,
      title: mark(title, words.map(w => w.word)),
      text: (byline ? `<p>${escapeHTML(byline)}</p>` : "") + `<p>${mark(teaser, words.map(w => w.word))}</p>`,
      score: scores.get(doc),
      terms,
    }];
  });
  return { items, words };
}

/* Pages that are not papers: every word (or its start) in the title or text. */
function searchPages(words) {
  const items = [];
  for (const page of pages) {
    const haystack = fold(`${page.title} ${page.text}`.normalize("NFKC").toLowerCase());
    const terms = {};
    let all = true;
    for (const w of words) all = (terms[w.word] = w.forms.every(f => haystack.includes(f))) && all;
    if (words.length && all)
      items.push([{ location: page.location, title: mark(page.title, words.map(w => w.word)),
                    text: mark(page.text.slice(0, 200), words.map(w => w.word)), score: 0, terms }]);
  }
  return items.slice(0, 5);
}

/* ------------------------------------------------------------------ protocol */

addEventListener("message", async event => {
  const message = event.data;
  if (message.type === SETUP) {
    pages = ((message.data && message.data.docs) || []).filter(doc => !doc.location.includes("#"));
    try { await load(["index"]); manifest = loaded.get("index"); } catch (error) { manifest = null; }
    postMessage({ type: READY });
  } else if (message.type === QUERY) {
    const id = ++latest;
    const query = message.data;
    let result = { items: [], words: [] };
    try {
      result = await searchPapers(query, id) || null;
    } catch (error) {
      console.warn(`search: ${error.message}`);
    }
    if (result === null || id !== latest) return;
    postMessage({ type: RESULT, data: { items: [...result.items, ...searchPages(result.words.length ? result.words : tokens(query))] } });
  }
});
