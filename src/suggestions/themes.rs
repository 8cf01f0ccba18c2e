//! Themes: what many suggestions of a period are about.
//!
//! A pure module: no I/O, no clock, no randomness. The same documents always give the
//! same themes, and the grouping does not depend on their order.
//!
//! # Keywords
//!
//! A suggestion's text (title and body, joined by the caller) is lowercased and split
//! into words: maximal runs of Unicode letters, so digits and punctuation separate words
//! and numbers never become keywords. Russian `ё` is written `е` (the two spellings of
//! one word must meet). Words shorter than three letters and stop words (the NLTK lists
//! of the `stop-words` crate) are dropped, and the rest are reduced to their Snowball
//! stem (`rust-stemmers`): "delays", "delayed" → `delay`; "refunds" → `refund`;
//! "возврат", "возвратов" → `возврат`.
//!
//! The language of a text is the script most of its letters are in ([`detect_language`]).
//! The stemmers and stop lists of the two languages cover disjoint alphabets, so the
//! words of a text in its own script are handled as its language and the odd word in
//! the other script ("app" in a Russian text) as the language of that script — in
//! effect, each word as the language of its script. The Russian stemmer would leave
//! "crashes" as it is; the English one gives `crash`, the stem English suggestions have.
//!
//! # Scores
//!
//! Over the documents of the selected period, each stem `s` gets an inverse document
//! frequency `idf(s) = ln((1 + N) / (1 + df(s))) + 1`, and in each document a weight
//! `(1 + ln tf) · idf`, normalised so that a document's weights have unit length: a
//! word every suggestion uses ("customer") weighs little, and a long body does not
//! outweigh a short title. A stem only one document has cannot group anything; the
//! others are the document's *linkable* stems, and its [`SALIENT_PER_DOC`] heaviest are
//! its *salient* stems.
//!
//! # Grouping
//!
//! Stems are grouped first; then each document joins one group.
//!
//! 1. **Stems that travel together.** Two salient stems are *associated* when at least
//!    [`MIN_PAIR_DOCS`] documents have both and their Jaccard coefficient (documents with
//!    both ÷ documents with either) is at least [`MIN_JACCARD`]. Groups grow from the
//!    strongest association down, and two groups merge only if *every* stem of one is
//!    associated with *every* stem of the other (complete linkage). A word that goes
//!    with several topics — "delay" of refunds and of deliveries — can join one topic's
//!    group at most, and never chains two topics into one.
//! 2. **Satellites.** A stem left alone joins the group that most of its documents
//!    also speak of — at least half of them, at least [`MIN_PAIR_DOCS`], and, by the low
//!    end of a 95 % confidence interval, at least twice as often as documents in general
//!    do (so nothing joins a group merely because that group is everywhere). "charged"
//!    joins "refund" when most suggestions about charges are about refunds. It counts
//!    for the group with that share (a satellite of a satellite follows it, counting
//!    with the product of the two shares).
//! 3. **Lone stems** — no associate, no group to join — still make groups of their own,
//!    counting half: a word nothing travels with is weaker evidence of a theme than
//!    words that keep appearing together.
//! 4. **Each document joins one group**: the one it is pulled to most. Its pull on a
//!    group is the sum, over its linkable stems in the group, of weight × how much the
//!    stem belongs to the group, times the group's support (the documents with any of
//!    its stems) to the power [`SUPPORT_EXPONENT`]. The mild preference for shared
//!    groups keeps a rare word two suggestions happen to share from outbidding the topic
//!    word hundreds share, while a word that every suggestion uses stays outweighed by
//!    its low IDF. A complaint about a delivery *delay* goes to the delivery group even
//!    if "delay" is in the refund group: it matches the delivery group with more stems.
//! 5. A group that fewer than [`MIN_THEME_DOCS`] documents joined is closed and its
//!    documents fall back to their next choice, until no group closes. The groups left
//!    are the [`Theme`]s; documents left with no group are in no theme.
//!
//! "refund delays" and "delayed refunds" have the same two stems, `refund` and `delay`,
//! which are associated, so both documents join their group. "возврат денег
//! задерживается" and "задержки возвратов" share only `возврат`: Snowball strips
//! inflections, not derivations, so the verb and the noun keep different stems
//! (`задержива`, `задержк`), but `возврат` is the one group both can join. English and
//! Russian words never share a stem, so the two languages form separate themes.
//!
//! # Cost
//!
//! Linear in the size of the texts: each distinct word is stemmed once (a cache), stems
//! are interned as integers, and associations are counted from the pairs of each
//! document's salient stems (at most 66), never by comparing documents pairwise. Themes
//! for 20,000 suggestions of 15–35 words take about 0.1 s in a release build.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Documents a group must gather to be reported as a theme.
pub const MIN_THEME_DOCS: usize = 2;
/// How many of a document's heaviest linkable stems take part in associations.
pub const SALIENT_PER_DOC: usize = 12;
/// Documents that must have both stems before two stems can be associated.
pub const MIN_PAIR_DOCS: u32 = 2;
/// The Jaccard coefficient from which two stems are associated.
pub const MIN_JACCARD: f64 = 0.3;
/// How strongly a document prefers groups more documents share: its pull on a group is
/// multiplied by the group's support raised to this power.
pub const SUPPORT_EXPONENT: f64 = 0.2;
/// The share of a lone stem's documents that must speak of a group for it to join it.
const MIN_SATELLITE_SHARE: f64 = 0.5;
/// How many times more often than documents in general a lone stem's documents must
/// speak of a group for it to join it (at the low end of a 95 % interval).
const MIN_SATELLITE_LIFT: f64 = 2.0;
/// How much a stem counts for the one-stem group it makes when it has no associate.
const LONE_STEM_BELONGING: f64 = 0.5;
/// The most stems complete linkage puts in one group (keeps it cheap).
const MAX_LINKED_STEMS: usize = 8;
/// The most stems a theme shows.
const MAX_SHOWN_STEMS: usize = 8;
/// Words shorter than this (in letters) are dropped.
const MIN_WORD_LETTERS: usize = 3;

/// One suggestion of the selected period: its id and its title and body joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc<'a> {
    pub id: &'a str,
    pub text: &'a str,
}

/// The language of a text, as far as stemming and stop words go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Ru,
}

/// Suggestions that share stems.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// A readable name: the most frequent spelling of the theme's top stem, and that of
    /// its second stem when the second weighs at least half as much (`"refund / delays"`).
    pub label: String,
    /// The theme's stems, heaviest first, at most eight: the heaviest, and those that at
    /// least two members (and one in twenty) have.
    pub stems: Vec<String>,
    /// Every member document, in input order. A document is in at most one theme.
    pub doc_ids: Vec<String>,
    /// How strongly the members were pulled in: the sum of their pulls (their TF-IDF
    /// weights on the theme's stems, scaled as the module documentation says). Orders
    /// themes of equal size.
    pub score: f64,
}

/// The language most letters of `text` are written in: Russian when Cyrillic letters
/// outnumber Latin ones, English otherwise (also for a text without letters).
pub fn detect_language(text: &str) -> Lang {
    let (mut cyrillic, mut latin) = (0usize, 0usize);
    for c in text.chars() {
        if is_cyrillic(c) {
            cyrillic += 1;
        } else if is_latin(c) {
            latin += 1;
        }
    }
    if cyrillic > latin { Lang::Ru } else { Lang::En }
}

/// The stems of `text`'s keywords, in text order, repeats kept (they are the term
/// frequencies): lowercased letter runs of three letters or more, without stop words,
/// stemmed in the language of the text, or of the word's own script when that differs.
pub fn keywords(text: &str) -> Vec<String> {
    let analyzer = Analyzer::new();
    let lang = detect_language(text);
    let mut out = Vec::new();
    for_each_word(text, |word| {
        if let Some(stem) = analyzer.stem(word, lang) {
            out.push(stem);
        }
    });
    out
}

/// The themes of `docs` (the suggestions of the selected period), biggest first: by
/// member count, then score, then label. At most `max_themes` are returned; each has at
/// least [`MIN_THEME_DOCS`] members and no document is in two themes. See the module
/// documentation for the algorithm.
pub fn themes(docs: &[Doc<'_>], max_themes: usize) -> Vec<Theme> {
    if docs.is_empty() || max_themes == 0 {
        return Vec::new();
    }
    let corpus = Corpus::build(docs);
    let linkable = corpus.weigh();
    let assoc = Associations::count(&linkable, corpus.stems.len());
    let groups = StemGroups::build(&linkable, &assoc, &corpus.stems);
    let mut found = assign(&linkable, &groups, &corpus, docs);
    found.sort_by(|a, b| {
        b.doc_ids
            .len()
            .cmp(&a.doc_ids.len())
            .then_with(|| b.score.total_cmp(&a.score))
            .then_with(|| a.label.cmp(&b.label))
            .then_with(|| a.stems.cmp(&b.stems))
    });
    found.truncate(max_themes);
    found
}

// ---------------------------------------------------------------------------------------
// Words

fn is_cyrillic(c: char) -> bool {
    let basic = matches!(c, '\u{0400}'..='\u{052F}');
    basic
        || matches!(c, '\u{1C80}'..='\u{1C8F}' | '\u{2DE0}'..='\u{2DFF}' | '\u{A640}'..='\u{A69F}')
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
        || (c.is_alphabetic() && matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}'))
}

/// Calls `f` with each word of `text`: a maximal run of letters, lowercased, `ё` as `е`,
/// at least [`MIN_WORD_LETTERS`] letters long.
fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    let mut letters = 0usize;
    let mut flush = |word: &mut String, letters: &mut usize| {
        if *letters >= MIN_WORD_LETTERS {
            f(word);
        }
        word.clear();
        *letters = 0;
    };
    for c in text.chars() {
        if c.is_alphabetic() {
            letters += 1;
            for lower in c.to_lowercase() {
                word.push(if lower == 'ё' { 'е' } else { lower });
            }
        } else {
            flush(&mut word, &mut letters);
        }
    }
    flush(&mut word, &mut letters);
}

/// The stop words of a language, lowercased and with `ё` as `е`, as a set.
fn stop_words(lang: Lang) -> &'static HashSet<String> {
    static EN: OnceLock<HashSet<String>> = OnceLock::new();
    static RU: OnceLock<HashSet<String>> = OnceLock::new();
    let (cell, code) = match lang {
        Lang::En => (&EN, "en"),
        Lang::Ru => (&RU, "ru"),
    };
    cell.get_or_init(|| {
        stop_words::lookup(code)
            .unwrap_or_default()
            .iter()
            .map(|w| w.to_lowercase().replace('ё', "е"))
            .collect()
    })
}

/// The two stemmers and stop lists.
struct Analyzer {
    english: Stemmer,
    russian: Stemmer,
}

impl Analyzer {
    fn new() -> Self {
        Analyzer {
            english: Stemmer::create(Algorithm::English),
            russian: Stemmer::create(Algorithm::Russian),
        }
    }

    /// The language a word of a `text_lang` text is handled as: the text's own, unless
    /// the word is written in the other script. (So it depends on the word alone.)
    fn word_lang(word: &str, text_lang: Lang) -> Lang {
        let cyrillic = word.chars().any(is_cyrillic);
        match (text_lang, cyrillic) {
            (Lang::En, true) => Lang::Ru,
            (Lang::Ru, false) => Lang::En,
            (lang, _) => lang,
        }
    }

    /// The stem of a lowercased word, or `None` for a stop word.
    fn stem(&self, word: &str, text_lang: Lang) -> Option<String> {
        let lang = Self::word_lang(word, text_lang);
        if stop_words(lang).contains(word) {
            return None;
        }
        let stemmer = match lang {
            Lang::En => &self.english,
            Lang::Ru => &self.russian,
        };
        Some(stemmer.stem(word).into_owned())
    }
}

// ---------------------------------------------------------------------------------------
// The corpus: interned stems and term frequencies

/// Stem id, an index into [`Corpus::stems`].
type StemId = u32;

struct Corpus {
    /// Stem texts by id (ids in order of first appearance).
    stems: Vec<String>,
    /// Each document's stems with their term frequency, by stem id.
    doc_terms: Vec<Vec<(StemId, u32)>>,
    /// Documents each stem appears in.
    df: Vec<u32>,
    /// For each stem, its most frequent spelling and how often it was seen.
    spelling: Vec<(String, u32)>,
}

impl Corpus {
    fn build(docs: &[Doc<'_>]) -> Self {
        let analyzer = Analyzer::new();
        // A word's treatment depends on the word alone (see `Analyzer::word_lang`), so
        // one cache serves every text.
        let mut words: HashMap<String, Option<usize>> = HashMap::new();
        let mut forms: Vec<(String, StemId, u32)> = Vec::new();
        let mut stem_ids: HashMap<String, StemId> = HashMap::new();
        let mut stems: Vec<String> = Vec::new();
        let mut doc_terms = Vec::with_capacity(docs.len());
        let mut scratch: Vec<StemId> = Vec::new();

        for doc in docs {
            let lang = detect_language(doc.text);
            scratch.clear();
            for_each_word(doc.text, |word| {
                let form = match words.get(word) {
                    Some(known) => *known,
                    None => {
                        let form = analyzer.stem(word, lang).map(|stem| {
                            let next = stems.len() as StemId;
                            let id = *stem_ids.entry(stem.clone()).or_insert(next);
                            if id == next {
                                stems.push(stem);
                            }
                            forms.push((word.to_owned(), id, 0));
                            forms.len() - 1
                        });
                        words.insert(word.to_owned(), form);
                        form
                    }
                };
                if let Some(form) = form {
                    forms[form].2 += 1;
                    scratch.push(forms[form].1);
                }
            });
            scratch.sort_unstable();
            let mut terms: Vec<(StemId, u32)> = Vec::new();
            for &id in &scratch {
                match terms.last_mut() {
                    Some((last, tf)) if *last == id => *tf += 1,
                    _ => terms.push((id, 1)),
                }
            }
            doc_terms.push(terms);
        }

        let mut df = vec![0u32; stems.len()];
        for terms in &doc_terms {
            for &(id, _) in terms {
                df[id as usize] += 1;
            }
        }
        let mut spelling: Vec<(String, u32)> = vec![(String::new(), 0); stems.len()];
        for (form, id, count) in forms {
            let best = &mut spelling[id as usize];
            let better = count > best.1
                || (count == best.1
                    && (form.chars().count(), form.as_str())
                        < (best.0.chars().count(), best.0.as_str()));
            if better {
                *best = (form, count);
            }
        }
        Corpus {
            stems,
            doc_terms,
            df,
            spelling,
        }
    }

    /// Each document's stems that some other document has too, with their normalised
    /// TF-IDF weight, heaviest first (ties by stem text). The first [`SALIENT_PER_DOC`]
    /// are its salient stems.
    fn weigh(&self) -> Vec<Vec<(StemId, f64)>> {
        let n = self.doc_terms.len() as f64;
        let idf: Vec<f64> = self
            .df
            .iter()
            .map(|&df| ((1.0 + n) / (1.0 + f64::from(df))).ln() + 1.0)
            .collect();
        self.doc_terms
            .iter()
            .map(|terms| {
                let mut weights: Vec<(StemId, f64)> = terms
                    .iter()
                    .map(|&(id, tf)| (id, (1.0 + f64::from(tf).ln()) * idf[id as usize]))
                    .collect();
                let norm = weights.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
                weights.retain(|&(id, _)| self.df[id as usize] >= 2);
                if norm > 0.0 {
                    for (_, w) in &mut weights {
                        *w /= norm;
                    }
                }
                weights.sort_by(|a, b| {
                    b.1.total_cmp(&a.1)
                        .then_with(|| self.stems[a.0 as usize].cmp(&self.stems[b.0 as usize]))
                });
                weights
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Associations between stems

fn pair_key(a: StemId, b: StemId) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

struct Associations {
    /// Documents where each stem is salient.
    df: Vec<u32>,
    /// Documents where both stems of a pair are salient.
    both: HashMap<u64, u32>,
}

impl Associations {
    fn count(linkable: &[Vec<(StemId, f64)>], stem_count: usize) -> Self {
        let mut df = vec![0u32; stem_count];
        let mut both: HashMap<u64, u32> = HashMap::new();
        for stems_of_doc in linkable {
            let salient = &stems_of_doc[..stems_of_doc.len().min(SALIENT_PER_DOC)];
            for (i, &(a, _)) in salient.iter().enumerate() {
                df[a as usize] += 1;
                for &(b, _) in &salient[i + 1..] {
                    *both.entry(pair_key(a, b)).or_insert(0) += 1;
                }
            }
        }
        Associations { df, both }
    }

    fn jaccard(&self, a: StemId, b: StemId, both: u32) -> f64 {
        let either = self.df[a as usize] + self.df[b as usize] - both;
        if either == 0 {
            0.0
        } else {
            f64::from(both) / f64::from(either)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Stem groups

type GroupId = usize;

struct StemGroups {
    /// The group of each stem (an index into `members`).
    group_of: Vec<GroupId>,
    /// Each group's stems (empty for ids no group uses any more).
    members: Vec<Vec<StemId>>,
    /// How much each stem counts for its group.
    belonging: Vec<f64>,
    /// Each group's support (documents with any of its stems among their linkable
    /// ones) to the power [`SUPPORT_EXPONENT`].
    prior: Vec<f64>,
}

impl StemGroups {
    fn build(linkable: &[Vec<(StemId, f64)>], assoc: &Associations, stems: &[String]) -> Self {
        let (mut group_of, mut members) = link(assoc, stems);
        let mut belonging = vec![1.0; stems.len()];
        attach_satellites(
            linkable,
            assoc,
            stems,
            &mut group_of,
            &mut members,
            &mut belonging,
        );
        for group in &members {
            if let [alone] = group.as_slice() {
                belonging[*alone as usize] = LONE_STEM_BELONGING;
            }
        }
        let support = support(linkable, &group_of, members.len(), usize::MAX);
        let prior = support
            .iter()
            .map(|&n| f64::from(n).powf(SUPPORT_EXPONENT))
            .collect();
        StemGroups {
            group_of,
            members,
            belonging,
            prior,
        }
    }
}

/// Step 1: complete linkage over associated pairs, strongest first. Every stem starts
/// in a group of its own (group id = stem id).
fn link(assoc: &Associations, stems: &[String]) -> (Vec<GroupId>, Vec<Vec<StemId>>) {
    // Ties are broken by the stems' text, so ids (the order of first appearance) never
    // decide.
    let mut edges: Vec<(StemId, StemId, u32, f64)> = assoc
        .both
        .iter()
        .filter(|&(_, &both)| both >= MIN_PAIR_DOCS)
        .filter_map(|(&key, &both)| {
            let (a, b) = ((key >> 32) as StemId, key as StemId);
            let (a, b) = if stems[a as usize] <= stems[b as usize] {
                (a, b)
            } else {
                (b, a)
            };
            let j = assoc.jaccard(a, b, both);
            (j >= MIN_JACCARD).then_some((a, b, both, j))
        })
        .collect();
    edges.sort_by(|x, y| {
        y.3.total_cmp(&x.3)
            .then_with(|| y.2.cmp(&x.2))
            .then_with(|| stems[x.0 as usize].cmp(&stems[y.0 as usize]))
            .then_with(|| stems[x.1 as usize].cmp(&stems[y.1 as usize]))
    });
    let associated: HashSet<u64> = edges.iter().map(|&(a, b, _, _)| pair_key(a, b)).collect();

    let mut group_of: Vec<GroupId> = (0..stems.len()).collect();
    let mut members: Vec<Vec<StemId>> = (0..stems.len() as StemId).map(|s| vec![s]).collect();
    for &(a, b, _, _) in &edges {
        let (ga, gb) = (group_of[a as usize], group_of[b as usize]);
        if ga == gb || members[ga].len() + members[gb].len() > MAX_LINKED_STEMS {
            continue;
        }
        let complete = members[ga].iter().all(|&x| {
            members[gb]
                .iter()
                .all(|&y| associated.contains(&pair_key(x, y)))
        });
        if !complete {
            continue;
        }
        let (keep, gone) = if members[ga].len() >= members[gb].len() {
            (ga, gb)
        } else {
            (gb, ga)
        };
        let moved = std::mem::take(&mut members[gone]);
        for &s in &moved {
            group_of[s as usize] = keep;
        }
        members[keep].extend(moved);
    }
    (group_of, members)
}

/// Step 2: each stem left alone by step 1 joins the group most of its documents also
/// speak of, when that is clearly more than chance (see the module documentation).
fn attach_satellites(
    linkable: &[Vec<(StemId, f64)>],
    assoc: &Associations,
    stems: &[String],
    group_of: &mut [GroupId],
    members: &mut [Vec<StemId>],
    belonging: &mut [f64],
) {
    let support = support(linkable, group_of, members.len(), SALIENT_PER_DOC);
    // For each lone stem, in how many of its documents each other group appears.
    let mut together: HashMap<(StemId, GroupId), u32> = HashMap::new();
    let mut seen: Vec<GroupId> = Vec::with_capacity(SALIENT_PER_DOC);
    for stems_of_doc in linkable {
        let salient = &stems_of_doc[..stems_of_doc.len().min(SALIENT_PER_DOC)];
        seen.clear();
        for &(s, _) in salient {
            let g = group_of[s as usize];
            if !seen.contains(&g) {
                seen.push(g);
            }
        }
        for &(s, _) in salient {
            let own = group_of[s as usize];
            if members[own].len() == 1 {
                for &g in seen.iter().filter(|&&g| g != own) {
                    *together.entry((s, g)).or_insert(0) += 1;
                }
            }
        }
    }
    let docs = linkable.len() as f64;
    let mut best: HashMap<StemId, (GroupId, f64)> = HashMap::new();
    for (&(s, g), &count) in &together {
        let df = assoc.df[s as usize];
        if count < MIN_PAIR_DOCS || support[g] <= df {
            continue;
        }
        let share = f64::from(count) / f64::from(df);
        let base_rate = f64::from(support[g]) / docs;
        if share < MIN_SATELLITE_SHARE || wilson_lower(count, df) < MIN_SATELLITE_LIFT * base_rate {
            continue;
        }
        let better = match best.get(&s) {
            None => true,
            Some(&(other, other_share)) => {
                share > other_share
                    || (share == other_share
                        && group_key(&members[g], stems) < group_key(&members[other], stems))
            }
        };
        if better {
            best.insert(s, (g, share));
        }
    }
    // A satellite of a stem that is itself a satellite follows it to its group, counting
    // for it with the product of the shares. Every step goes to a group more documents
    // have, so the chains end.
    let lone_stem = |g: GroupId| match members[g].as_slice() {
        [alone] => Some(*alone),
        _ => None,
    };
    let mut moves: Vec<(StemId, GroupId, f64)> = best
        .iter()
        .map(|(&s, &(first, first_share))| {
            let (mut g, mut share) = (first, first_share);
            // Never more steps than satellites (the bound only guards the argument above).
            for _ in 0..best.len() {
                let Some(&(next, next_share)) = lone_stem(g).and_then(|t| best.get(&t)) else {
                    break;
                };
                g = next;
                share *= next_share;
            }
            (s, g, share)
        })
        .collect();
    moves.sort_by(|x, y| stems[x.0 as usize].cmp(&stems[y.0 as usize]));
    for (s, g, share) in moves {
        members[group_of[s as usize]].clear();
        members[g].push(s);
        group_of[s as usize] = g;
        belonging[s as usize] = share;
    }
}

/// For each group, the documents with any of its stems among their first `depth`
/// linkable stems.
fn support(
    linkable: &[Vec<(StemId, f64)>],
    group_of: &[GroupId],
    groups: usize,
    depth: usize,
) -> Vec<u32> {
    let mut support = vec![0u32; groups];
    let mut seen: Vec<GroupId> = Vec::new();
    for stems_of_doc in linkable {
        seen.clear();
        for &(s, _) in stems_of_doc.iter().take(depth) {
            let g = group_of[s as usize];
            if !seen.contains(&g) {
                seen.push(g);
                support[g] += 1;
            }
        }
    }
    support
}

/// The lower end of the 95 % Wilson score interval of the proportion `hits / trials`:
/// how low the share could plausibly be, given how few trials there were.
fn wilson_lower(hits: u32, trials: u32) -> f64 {
    if trials == 0 {
        return 0.0;
    }
    const Z: f64 = 1.96;
    let n = f64::from(trials);
    let p = f64::from(hits) / n;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let margin = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (centre - margin) / (1.0 + z2 / n)
}

/// The smallest stem text of a group: a stable name for breaking ties.
fn group_key<'s>(group: &[StemId], stems: &'s [String]) -> &'s str {
    group
        .iter()
        .map(|&s| stems[s as usize].as_str())
        .min()
        .unwrap_or("")
}

// ---------------------------------------------------------------------------------------
// Documents into themes

/// Steps 4 and 5: puts each document into the group it is pulled to most, closing
/// groups too few documents joined, and makes themes of the rest (unsorted).
fn assign(
    linkable: &[Vec<(StemId, f64)>],
    groups: &StemGroups,
    corpus: &Corpus,
    docs: &[Doc<'_>],
) -> Vec<Theme> {
    let stems = &corpus.stems;
    // Equal pulls go to the group with more stems, then by text.
    let rank = |g: GroupId| {
        (
            std::cmp::Reverse(groups.members[g].len()),
            group_key(&groups.members[g], stems),
        )
    };
    // Every document's pull on each group it touches, strongest first.
    let pulls: Vec<Vec<(GroupId, f64)>> = linkable
        .iter()
        .map(|stems_of_doc| {
            let mut mine: Vec<(GroupId, f64)> = Vec::new();
            for &(s, w) in stems_of_doc {
                let g = groups.group_of[s as usize];
                let pull = w * groups.belonging[s as usize];
                match mine.iter_mut().find(|(other, _)| *other == g) {
                    Some((_, total)) => *total += pull,
                    None => mine.push((g, pull)),
                }
            }
            for (g, pull) in &mut mine {
                *pull *= groups.prior[*g];
            }
            mine.retain(|&(_, pull)| pull > 0.0);
            mine.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| rank(x.0).cmp(&rank(y.0))));
            mine
        })
        .collect();

    // Each document joins its first choice. Groups too few documents joined close
    // together, round by round; their documents move on to their next open choice, which
    // only adds documents elsewhere, so only groups that just got their first document
    // can be too small in the next round. Each document walks its list of choices once.
    let group_count = groups.members.len();
    let mut at = vec![0usize; pulls.len()];
    let mut joined: Vec<Vec<usize>> = vec![Vec::new(); group_count];
    for (d, mine) in pulls.iter().enumerate() {
        if let Some(&(g, _)) = mine.first() {
            joined[g].push(d);
        }
    }
    let mut closed = vec![false; group_count];
    let mut suspects: Vec<GroupId> = (0..group_count)
        .filter(|&g| !joined[g].is_empty())
        .collect();
    loop {
        let closing: Vec<GroupId> = suspects
            .iter()
            .copied()
            .filter(|&g| !closed[g] && joined[g].len() < MIN_THEME_DOCS)
            .collect();
        if closing.is_empty() {
            break;
        }
        for &g in &closing {
            closed[g] = true;
        }
        suspects.clear();
        for &g in &closing {
            for d in std::mem::take(&mut joined[g]) {
                while at[d] < pulls[d].len() && closed[pulls[d][at[d]].0] {
                    at[d] += 1;
                }
                if let Some(&(next, _)) = pulls[d].get(at[d]) {
                    joined[next].push(d);
                    suspects.push(next);
                }
            }
        }
        suspects.sort_unstable();
        suspects.dedup();
    }

    joined
        .into_iter()
        .enumerate()
        .filter(|(_, members)| !members.is_empty())
        .map(|(g, mut members)| {
            members.sort_unstable();
            let members: Vec<(usize, f64)> = members
                .into_iter()
                .map(|d| (d, pulls[d][at[d]].1))
                .collect();
            theme(&groups.members[g], &members, linkable, corpus, docs)
        })
        .collect()
}

/// The theme of a group's `members` (document index and pull).
fn theme(
    group: &[StemId],
    members: &[(usize, f64)],
    linkable: &[Vec<(StemId, f64)>],
    corpus: &Corpus,
    docs: &[Doc<'_>],
) -> Theme {
    let stems = &corpus.stems;
    // Each stem of the group: its summed weight and document count in the members.
    let mut mass: Vec<(StemId, f64, usize)> = group.iter().map(|&s| (s, 0.0, 0)).collect();
    for &(d, _) in members {
        for &(s, w) in &linkable[d] {
            if let Some(entry) = mass.iter_mut().find(|(m, _, _)| *m == s) {
                entry.1 += w;
                entry.2 += 1;
            }
        }
    }
    mass.sort_by(|x, y| {
        y.1.total_cmp(&x.1)
            .then_with(|| corpus.df[y.0 as usize].cmp(&corpus.df[x.0 as usize]))
            .then_with(|| stems[x.0 as usize].cmp(&stems[y.0 as usize]))
    });
    // Stems few members have are left out, but never the heaviest.
    let enough = MIN_THEME_DOCS.max(members.len().div_ceil(20));
    let mut position = 0;
    mass.retain(|&(_, _, n)| {
        position += 1;
        position == 1 || n >= enough
    });
    mass.truncate(MAX_SHOWN_STEMS);
    let spelling = |s: StemId| corpus.spelling[s as usize].0.as_str();
    let label = match mass.as_slice() {
        [] => String::new(),
        [(first, w1, _), (second, w2, _), ..] if *w2 >= 0.5 * *w1 => {
            format!("{} / {}", spelling(*first), spelling(*second))
        }
        [(first, _, _), ..] => spelling(*first).to_owned(),
    };
    Theme {
        label,
        stems: mass
            .iter()
            .map(|&(s, _, _)| stems[s as usize].clone())
            .collect(),
        doc_ids: members
            .iter()
            .map(|&(d, _)| docs[d].id.to_owned())
            .collect(),
        score: members.iter().map(|&(_, pull)| pull).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Lcg;

    fn docs<'a>(items: &[(&'a str, &'a str)]) -> Vec<Doc<'a>> {
        items.iter().map(|&(id, text)| Doc { id, text }).collect()
    }

    /// The sets of member ids, for comparing groupings.
    fn groupings(found: &[Theme]) -> Vec<Vec<String>> {
        let mut sets: Vec<Vec<String>> = found
            .iter()
            .map(|t| {
                let mut ids = t.doc_ids.clone();
                ids.sort();
                ids
            })
            .collect();
        sets.sort();
        sets
    }

    fn theme_of<'t>(found: &'t [Theme], id: &str) -> Option<&'t Theme> {
        found.iter().find(|t| t.doc_ids.iter().any(|d| d == id))
    }

    /// 40 short suggestions, 25 English and 15 Russian. The id says the intended
    /// topic; `oneoff` ones are about nothing else in the list.
    #[rustfmt::skip]
    const FIXTURE: &[(&str, &str)] = &[
        ("en-refund-1", "Refund delays are frustrating customers"),
        ("en-refund-2", "Customers complain about delayed refunds after returns"),
        ("en-refund-3", "Refunds take two weeks to arrive, please speed up refund processing"),
        ("en-refund-4", "Double charge on the card and the refund is still pending"),
        ("en-refund-5", "Billing charged the card twice, refunds delayed again"),
        ("en-login-1", "Customers cannot log in after the password reset"),
        ("en-login-2", "Password reset email never arrives"),
        ("en-login-3", "Login fails with the correct password on the mobile site"),
        ("en-login-4", "Two-factor login code expires too quickly"),
        ("en-login-5", "Users locked out after three wrong password attempts"),
        ("en-support-1", "Support replies are too slow"),
        ("en-support-2", "Slow replies from the support team make customers angry"),
        ("en-support-3", "Customers wait days for a support reply by email"),
        ("en-support-4", "Chat support takes hours to answer"),
        ("en-support-5", "Support ticket replies are slow during weekends"),
        ("en-delivery-1", "Courier delivered the parcel to the wrong address"),
        ("en-delivery-2", "Delivery is late and the courier does not call customers"),
        ("en-delivery-3", "Couriers leave parcels at the door without ringing"),
        ("en-delivery-4", "Delivery tracking shows the wrong courier location"),
        ("en-delivery-5", "Late deliveries in the north region, courier shortage"),
        ("en-crash-1", "The app crashes when opening the cart"),
        ("en-crash-2", "Mobile app crashed twice during checkout"),
        ("en-crash-3", "App keeps crashing after the latest update"),
        ("en-oneoff-1", "Customers ask for a vegetarian option in the canteen"),
        ("en-oneoff-2", "Printer on the third floor jams every morning"),
        ("ru-refund-1", "Возврат денег задерживается на две недели"),
        ("ru-refund-2", "Задержки возвратов злят клиентов"),
        ("ru-refund-3", "Клиенты ждут возврата средств больше месяца"),
        ("ru-refund-4", "Возврат за отменённый заказ приходит слишком поздно"),
        ("ru-login-1", "Не могу войти: пароль не подходит"),
        ("ru-login-2", "Сброс пароля не работает, письмо не приходит"),
        ("ru-login-3", "После смены пароля клиентов выкидывает из аккаунта"),
        ("ru-delivery-1", "Курьер опоздал на три часа"),
        ("ru-delivery-2", "Курьеры не звонят клиентам перед доставкой"),
        ("ru-delivery-3", "Доставка задерживается, курьер не отвечает"),
        ("ru-delivery-4", "Доставку привезли не по адресу, курьер ушёл"),
        ("ru-crash-1", "Приложение вылетает у клиентов при оплате"),
        ("ru-crash-2", "Приложение падает после обновления"),
        ("ru-oneoff-1", "Нужна парковка для сотрудников у офиса"),
        ("ru-oneoff-2", "В столовой нет вегетарианского меню"),
    ];

    /// Fixture documents whose grouping is a judgement call even for a reader, because
    /// the stem they share with their topic is matched by a stem shared with another
    /// suggestion: "login" (also "two", with a refund), "приходит" (an email and a refund
    /// both "arrive"). They may be in no theme or in a small one, never in another topic's
    /// big theme.
    const AMBIGUOUS: &[&str] = &["en-login-4", "ru-refund-4", "ru-login-2"];

    fn topic(id: &str) -> &str {
        id.rsplit_once('-').map_or(id, |(topic, _)| topic)
    }

    #[test]
    fn refund_delays_and_delayed_refunds_fall_into_one_theme() {
        let found = themes(
            &docs(&[("a", "refund delays"), ("b", "delayed refunds")]),
            10,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].doc_ids, ["a", "b"]);
        let mut stems = found[0].stems.clone();
        stems.sort();
        assert_eq!(stems, ["delay", "refund"]);
    }

    #[test]
    fn delayed_money_returns_in_russian_fall_into_one_theme() {
        let found = themes(
            &docs(&[
                ("a", "возврат денег задерживается"),
                ("b", "задержки возвратов"),
            ]),
            10,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].doc_ids, ["a", "b"]);
        assert_eq!(found[0].stems, ["возврат"]);
        assert_eq!(found[0].label, "возврат");
    }

    #[test]
    fn english_and_russian_refund_delays_form_two_separate_themes() {
        let found = themes(
            &docs(&[
                ("en-1", "refund delays"),
                ("ru-1", "возврат денег задерживается"),
                ("en-2", "delayed refunds"),
                ("ru-2", "задержки возвратов"),
            ]),
            10,
        );
        assert_eq!(
            groupings(&found),
            [
                vec!["en-1".to_owned(), "en-2".to_owned()],
                vec!["ru-1".to_owned(), "ru-2".to_owned()]
            ]
        );
    }

    #[test]
    fn a_word_two_topics_share_pulls_no_document_across() {
        let found = themes(
            &docs(&[
                ("refund-1", "Refund delays again"),
                ("refund-2", "Delayed refunds anger customers"),
                ("refund-3", "Refunds are delayed for weeks"),
                ("refund-4", "Refund went to the wrong card"),
                ("delivery-1", "Courier delivery is late"),
                ("delivery-2", "The delivery courier was rude"),
                ("delivery-3", "Courier lost the delivery"),
                ("delivery-4", "Delivery delayed, the courier did not call"),
            ]),
            10,
        );
        let expected: Vec<Vec<String>> = [
            ["delivery-1", "delivery-2", "delivery-3", "delivery-4"],
            ["refund-1", "refund-2", "refund-3", "refund-4"],
        ]
        .iter()
        .map(|ids| ids.iter().map(|id| (*id).to_owned()).collect())
        .collect();
        assert_eq!(groupings(&found), expected);
        let refunds = theme_of(&found, "refund-1")
            .map(|t| t.stems.clone())
            .unwrap_or_default();
        assert!(refunds.contains(&"delay".to_owned()), "{refunds:?}");
    }

    #[test]
    fn snowball_stems_are_what_the_grouping_relies_on() {
        assert_eq!(keywords("refund delays"), ["refund", "delay"]);
        assert_eq!(keywords("Delayed refunds!"), ["delay", "refund"]);
        assert_eq!(
            keywords("возврат денег задерживается"),
            ["возврат", "денег", "задержива"]
        );
        // The verb and the noun keep different stems; the shared noun is what groups.
        assert_eq!(keywords("задержки возвратов"), ["задержк", "возврат"]);
    }

    #[test]
    fn every_clear_fixture_topic_becomes_exactly_its_own_theme() {
        let found = themes(&docs(FIXTURE), 50);
        let clear = |id: &&str| !AMBIGUOUS.contains(id) && !id.contains("oneoff");
        for &(id, _) in FIXTURE.iter().filter(|(id, _)| clear(id)) {
            let theme = theme_of(&found, id).unwrap_or_else(|| panic!("{id} is in no theme"));
            let mut expected: Vec<&str> = FIXTURE
                .iter()
                .map(|&(other, _)| other)
                .filter(|o| topic(o) == topic(id) && clear(o))
                .collect();
            expected.sort_unstable();
            let mut got: Vec<&str> = theme
                .doc_ids
                .iter()
                .map(String::as_str)
                .filter(|o| !AMBIGUOUS.contains(o))
                .collect();
            got.sort_unstable();
            assert_eq!(got, expected, "the theme of {id}: {theme:?}");
        }
    }

    #[test]
    fn ambiguous_fixture_suggestions_never_join_another_topics_big_theme() {
        let found = themes(&docs(FIXTURE), 50);
        for id in AMBIGUOUS {
            if let Some(theme) = theme_of(&found, id) {
                let foreign = theme
                    .doc_ids
                    .iter()
                    .filter(|o| topic(o) != topic(id))
                    .count();
                let small = theme.doc_ids.len() <= MIN_THEME_DOCS;
                assert!(small || foreign == 0, "{id} joined {theme:?}");
            }
        }
    }

    #[test]
    fn one_off_suggestions_join_no_theme() {
        let found = themes(&docs(FIXTURE), 50);
        for &(id, _) in FIXTURE.iter().filter(|(id, _)| id.contains("oneoff")) {
            assert!(
                theme_of(&found, id).is_none(),
                "{id} joined {:?}",
                theme_of(&found, id)
            );
        }
    }

    #[test]
    fn the_fixture_themes_are_labelled_by_their_top_words() {
        let found = themes(&docs(FIXTURE), 50);
        let label = |id: &str| {
            theme_of(&found, id)
                .map(|t| t.label.clone())
                .unwrap_or_default()
        };
        assert_eq!(label("en-refund-1"), "refund / delayed");
        assert_eq!(label("en-support-1"), "support / replies");
        assert_eq!(label("ru-refund-1"), "возврат");
        assert!(
            found
                .iter()
                .all(|t| !t.label.is_empty() && !t.stems.is_empty())
        );
    }

    #[test]
    fn stop_words_never_become_stems() {
        for (lang, code) in [(Lang::En, "en"), (Lang::Ru, "ru")] {
            let list = stop_words::lookup(code).unwrap_or_default();
            assert!(list.len() > 100, "the {code} list is there");
            for word in list {
                assert!(
                    keywords(word).is_empty(),
                    "{word:?} ({lang:?}) gave {:?}",
                    keywords(word)
                );
            }
            let only_stop_words = list.join(" ");
            assert!(keywords(&only_stop_words).is_empty());
        }
        assert_eq!(
            keywords("The refund is not ready, and it was sent to them"),
            ["refund", "readi", "sent"]
        );
        assert_eq!(
            keywords("Она не может войти, потому что пароль не подходит"),
            ["войт", "парол", "подход"]
        );
        let en = stop_words::lookup("en").unwrap_or_default();
        let ru = stop_words::lookup("ru").unwrap_or_default();
        for theme in themes(&docs(FIXTURE), 50) {
            for stem in &theme.stems {
                assert!(
                    !en.contains(&stem.as_str()) && !ru.contains(&stem.as_str()),
                    "{stem}"
                );
            }
        }
    }

    #[test]
    fn numbers_and_words_under_three_letters_are_not_keywords() {
        assert_eq!(
            keywords("2 refunds of 150 EUR in 3 days, id 42b, ok?"),
            ["refund", "eur", "day"]
        );
        assert!(keywords("10 20 30 — 5% ok").is_empty());
    }

    #[test]
    fn yo_is_spelled_ye_before_stemming() {
        assert_eq!(keywords("курьер ушёл"), keywords("курьер ушел"));
        assert_eq!(keywords("отменённый"), keywords("отмененный"));
    }

    #[test]
    fn language_is_the_script_of_most_letters() {
        assert_eq!(detect_language("Refunds are delayed"), Lang::En);
        assert_eq!(detect_language("Возвраты задерживаются"), Lang::Ru);
        assert_eq!(
            detect_language("Приложение crashes при входе в аккаунт"),
            Lang::Ru
        );
        assert_eq!(
            detect_language("The app вылетает when I open the cart"),
            Lang::En
        );
        assert_eq!(detect_language("Ошибка 500 в app"), Lang::Ru);
        assert_eq!(detect_language("iOS 17: экран"), Lang::Ru);
        assert_eq!(detect_language("12345 !!!"), Lang::En);
        assert_eq!(detect_language(""), Lang::En);
    }

    #[test]
    fn words_in_the_other_script_are_stemmed_in_their_own_language() {
        assert_eq!(
            keywords("Приложение crashes при входе"),
            ["приложен", "crash", "вход"]
        );
        assert_eq!(
            keywords("The app вылетает on login"),
            ["app", "вылета", "login"]
        );
    }

    #[test]
    fn no_documents_give_no_themes() {
        assert!(themes(&[], 10).is_empty());
        assert!(themes(&docs(&[("a", "the and of"), ("b", "и в не")]), 10).is_empty());
        assert!(
            themes(
                &docs(&[("a", "refund delays"), ("b", "delayed refunds")]),
                0
            )
            .is_empty()
        );
        assert!(themes(&docs(&[("a", "refund delays")]), 10).is_empty());
    }

    #[test]
    fn themes_are_sorted_disjoint_and_the_same_every_time() {
        let found = themes(&docs(FIXTURE), 50);
        assert_eq!(found, themes(&docs(FIXTURE), 50));
        let mut seen = HashSet::new();
        for theme in &found {
            assert!(theme.doc_ids.len() >= MIN_THEME_DOCS);
            for id in &theme.doc_ids {
                assert!(seen.insert(id.clone()), "{id} is in two themes");
            }
        }
        for pair in found.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                a.doc_ids.len() > b.doc_ids.len()
                    || a.doc_ids.len() == b.doc_ids.len() && a.score >= b.score
            );
        }
        assert_eq!(themes(&docs(FIXTURE), 3), found[..3]);
    }

    #[test]
    fn the_grouping_does_not_depend_on_the_input_order() {
        let forward = docs(FIXTURE);
        let mut backward = forward.clone();
        backward.reverse();
        assert_eq!(
            groupings(&themes(&forward, 50)),
            groupings(&themes(&backward, 50))
        );
    }

    /// `n` synthetic suggestions (60 % English), each a title of 3–7 words and a body
    /// of 10–30, drawn from topic words, everyday filler and stop words.
    fn synthetic_suggestions(n: usize) -> Vec<(String, String)> {
        #[rustfmt::skip]
        const EN_TOPICS: &[&[&str]] = &[
            &["refund", "refunds", "refunded", "charge", "charged", "card", "bank", "billing"],
            &["delivery", "deliveries", "courier", "couriers", "parcel", "package", "address"],
            &["support", "reply", "replies", "ticket", "chat", "hotline", "agent", "answer"],
            &["password", "login", "reset", "account", "locked", "code", "sign"],
            &["app", "crash", "crashes", "crashed", "freezes", "update", "screen", "android"],
            &["price", "prices", "discount", "promo", "coupon", "expensive"],
            &["queue", "queues", "cashier", "cashiers", "checkout", "tills"],
            &["stock", "shelves", "empty", "restock", "warehouse", "missing"],
        ];
        #[rustfmt::skip]
        const RU_TOPICS: &[&[&str]] = &[
            &["возврат", "возврата", "возвратов", "денег", "деньги", "карту", "банк", "списание"],
            &["доставка", "доставки", "курьер", "курьеры", "посылка", "адрес", "трекинг"],
            &["поддержка", "поддержки", "оператор", "ответ", "ответа", "чат", "обращение"],
            &["пароль", "пароля", "вход", "аккаунт", "сброс", "код"],
            &["приложение", "приложения", "вылетает", "падает", "обновление", "экран"],
            &["касса", "кассы", "очередь", "очереди", "кассир", "оплата"],
        ];
        #[rustfmt::skip]
        const EN_FILLER: &[&str] = &[
            "customer", "customers", "store", "staff", "manager", "shift", "morning", "evening",
            "week", "weekend", "team", "order", "orders", "product", "time", "people", "system",
            "phone", "call", "email", "message", "question", "issue", "problem", "again",
            "today", "yesterday", "always", "never", "often", "slow", "late", "delay",
            "delayed", "angry", "complain", "complaint", "please", "fix", "need", "want",
            "help", "wait", "waiting", "hours", "days", "minutes", "north", "south", "branch",
            "region", "colleague", "boss", "schedule", "training", "process", "policy", "rule",
            "form", "website", "mobile", "online", "offline", "paper", "receipt", "return",
            "exchange", "size", "colour", "box",
        ];
        #[rustfmt::skip]
        const RU_FILLER: &[&str] = &[
            "клиент", "клиенты", "клиентов", "магазин", "сотрудники", "менеджер", "смена",
            "утром", "вечером", "неделю", "команда", "заказ", "заказы", "товар", "время",
            "люди", "система", "телефон", "звонок", "письмо", "вопрос", "проблема", "снова",
            "сегодня", "вчера", "часто", "долго", "медленно", "задержка", "задерживается",
            "жалуются", "жалоба", "просим", "исправить", "нужно", "ждут", "часов", "дней",
            "минут", "филиал", "регион", "коллеги", "график", "обучение", "правило", "сайт",
            "чек", "обмен", "размер", "коробка",
        ];
        #[rustfmt::skip]
        const EN_STOP: &[&str] = &[
            "the", "is", "and", "a", "of", "to", "it", "we", "our", "for", "with", "very",
            "not", "this",
        ];
        #[rustfmt::skip]
        const RU_STOP: &[&str] = &[
            "и", "в", "не", "на", "что", "это", "очень", "уже", "все", "у", "мы", "нас", "по",
            "для",
        ];

        let mut rng = Lcg(0x5eed);
        let words =
            |rng: &mut Lcg, count: usize, topic: &[&str], filler: &[&str], stop: &[&str]| {
                let mut text = String::new();
                for _ in 0..count {
                    let word = match rng.below(10) {
                        0..=2 => rng.pick(topic),
                        3..=5 => rng.pick(stop),
                        _ => rng.pick(filler),
                    };
                    text.push_str(word);
                    text.push(' ');
                }
                text
            };
        (0..n)
            .map(|i| {
                let (topics, filler, stop) = if rng.below(10) < 6 {
                    (EN_TOPICS, EN_FILLER, EN_STOP)
                } else {
                    (RU_TOPICS, RU_FILLER, RU_STOP)
                };
                let topic = topics[rng.below(topics.len())];
                let title_len = 3 + rng.below(5);
                let body_len = 10 + rng.below(21);
                let title = words(&mut rng, title_len, topic, filler, stop);
                let body = words(&mut rng, body_len, topic, filler, stop);
                (format!("s{i}"), format!("{title}\n{body}"))
            })
            .collect()
    }

    /// Run with `cargo test --release -- --ignored --nocapture twenty_thousand`.
    #[test]
    #[ignore = "a timing, meaningful only in a release build"]
    fn twenty_thousand_suggestions_take_under_half_a_second() {
        let corpus = synthetic_suggestions(20_000);
        let input: Vec<Doc<'_>> = corpus.iter().map(|(id, text)| Doc { id, text }).collect();
        let (mut best, mut worst) = (std::time::Duration::MAX, std::time::Duration::ZERO);
        let mut found = Vec::new();
        for _ in 0..5 {
            let start = std::time::Instant::now();
            found = themes(&input, 20);
            let took = start.elapsed();
            best = best.min(took);
            worst = worst.max(took);
        }
        println!(
            "themes for {} suggestions: {best:?} to {worst:?} over 5 runs",
            input.len()
        );
        for theme in &found {
            println!(
                "{:>6}  {:<28} {:?}",
                theme.doc_ids.len(),
                theme.label,
                theme.stems
            );
        }
        assert!(!found.is_empty());
        assert!(worst < std::time::Duration::from_millis(500), "{worst:?}");
    }
}
