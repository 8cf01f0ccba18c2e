//! The one-way structure, checked on the sources: imports point from the API, the web
//! pages and the CLI to the services, and from there to stores, pure logic and the
//! database — never back. Read as a newcomer would draw it: every `crate::` path in a
//! file of `src/` (outside comments and `#[cfg(test)]` modules) is an edge to the file
//! that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The files of a source tree by module path (`surveys::store`), with their text.
fn modules(root: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("a readable source folder")
            .map(|e| e.expect("a folder entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .expect("under the root")
                    .with_extension("");
                let mut name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("::");
                if let Some(parent) = name.strip_suffix("::mod") {
                    name = parent.to_owned();
                }
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                out.insert(name, text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The code of a file that ships: no `#[cfg(test)]` module and no comments.
fn shipped_code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string literal (a URL) is rare in paths; a crate path is
            // never inside one, so cutting there loses nothing we read.
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b::c` path a file names, with `use crate::{x, y::{z}}` groups
/// expanded.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        // `$crate::` in a macro is the same crate.
        let after = &rest[i + "crate::".len()..];
        let (paths, used) = read_path_tree(after);
        for p in paths {
            out.push(p);
        }
        rest = &after[used.max(1).min(after.len())..];
    }
    out
}

/// Reads a path or a `{…}` group at the start of `s`; returns the expanded paths and
/// how many bytes were read.
fn read_path_tree(s: &str) -> (Vec<String>, usize) {
    let mut prefix = String::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        prefix.push_str(&s[start..i]);
        // A group: `a::{…}`, or `{…}` right after `crate::`.
        let group = if s[i..].starts_with("::{") {
            prefix.push_str("::");
            Some(3)
        } else if i == 0 && s.starts_with('{') {
            Some(1)
        } else {
            None
        };
        if let Some(open) = group {
            i += open;
            let mut out = Vec::new();
            loop {
                let ws = s[i..].len() - s[i..].trim_start().len();
                i += ws;
                if i >= s.len() || s[i..].starts_with('}') {
                    i += 1;
                    break;
                }
                let (inner, used) = read_path_tree(&s[i..]);
                out.extend(inner.into_iter().map(|p| format!("{prefix}{p}")));
                i += used.max(1);
                // Skip `as name`, then the comma.
                while i < s.len() && !s[i..].starts_with(',') && !s[i..].starts_with('}') {
                    i += 1;
                }
                if s[i..].starts_with(',') {
                    i += 1;
                }
            }
            return (out, i);
        }
        if s[i..].starts_with("::")
            && s[i + 2..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            prefix.push_str("::");
            i += 2;
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The module a path lands in: its longest prefix that is a file.
fn owner<'a>(path: &str, files: &'a BTreeMap<String, String>) -> Option<&'a str> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find_map(|m| files.get_key_value(&m).map(|(k, _)| k.as_str()))
}

/// File → the files it names.
fn import_graph(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    files
        .iter()
        .map(|(name, text)| {
            let to = crate_paths(&shipped_code(text))
                .iter()
                .filter_map(|p| owner(p, files))
                .filter(|m| *m != name)
                .map(str::to_owned)
                .collect();
            (name.clone(), to)
        })
        .collect()
}

/// The import loops: strongly connected groups of more than one file (Tarjan).
fn loops(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low[v];
                    self.low.insert(v, lv.min(lw));
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low[v];
                    self.low.insert(v, lv.min(iw));
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

fn is_api(module: &str) -> bool {
    module == "api" || module.ends_with("::api")
}

fn last(module: &str) -> &str {
    module.rsplit("::").next().unwrap_or(module)
}

/// Every way `files` breaks the one-way structure, in words.
fn violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let graph = import_graph(files);
    let mut out: Vec<String> = loops(&graph)
        .into_iter()
        .map(|g| format!("import loop: {}", g.join(" ⇄ ")))
        .collect();
    for (from, to) in &graph {
        let in_web = from == "web" || from.starts_with("web::");
        for target in to {
            if is_api(target) && from != "api" && from != "startup" {
                out.push(format!(
                    "{from} imports {target}: only the API combiner (api.rs) names an API \
                     module; call the capability's service"
                ));
            }
            if (target == "web" || target.starts_with("web::")) && !in_web && from != "startup" {
                out.push(format!(
                    "{from} imports {target}: only startup mounts the web pages"
                ));
            }
            if target == "db::schema" && (is_api(from) || in_web) {
                out.push(format!(
                    "{from} imports db::schema: handlers and pages call services, which own the queries"
                ));
            }
            if matches!(last(from), "store" | "service" | "model") && is_api(target) {
                out.push(format!(
                    "{from} imports {target}: stores and services sit below the handlers"
                ));
            }
        }
    }
    out
}

/// The tree the checks read: `src/`, or the folder `PULSELINE_LAYERS_SRC` names (to
/// run the same checks on another revision's sources).
fn src_root() -> PathBuf {
    std::env::var_os("PULSELINE_LAYERS_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn imports_point_one_way_in_src() {
    let root = src_root();
    let files = modules(&root);
    assert!(files.len() > 50, "read only {} files", files.len());
    let found = violations(&files);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn no_file_in_src_is_over_700_lines_nor_an_api_over_400() {
    // Pure, tested data and logic modules may be longer: the theme lexicon, the page
    // translations and the question bank are tables; the suppression rules and the
    // score formulas are each one argument with its unit tests.
    const LONG_ALLOWED: [&str; 5] = [
        "suggestions::themes",
        "web::i18n",
        "surveys::bank",
        "anonymity::suppress",
        "reports::scores",
    ];
    let root = src_root();
    let mut over = Vec::new();
    for (name, text) in modules(&root) {
        let n = text.lines().count();
        let limit = if is_api(&name) { 400 } else { 700 };
        if n > limit && !LONG_ALLOWED.contains(&name.as_str()) {
            over.push(format!("{name} is too long: {n} lines (limit {limit})"));
        }
    }
    assert!(over.is_empty(), "{}", over.join("\n"));
}

/// The checker itself: a small tree with each kind of fault is caught, and its clean
/// twin passes — so a silent parser cannot make the real check pass.
#[test]
fn the_checker_catches_a_loop_an_upward_import_and_a_query_in_a_handler() {
    let tree = |files: &[(&str, &str)]| -> BTreeMap<String, String> {
        files
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect()
    };
    let clean = tree(&[
        ("api", "use crate::org::api::OrgApi;"),
        ("startup", "use crate::web;\nuse crate::api;"),
        ("state", "use crate::db::Db;"),
        ("db", ""),
        ("db::schema", ""),
        (
            "org::api",
            "use crate::org::{service, types::Team};\nuse crate::state::AppState;",
        ),
        ("org::types", ""),
        (
            "org::service",
            "use crate::org::store;\nuse crate::db::schema::teams;",
        ),
        (
            "org::store",
            "use crate::db::{self, schema::{teams, people}};",
        ),
        ("web", "use crate::web::people;"),
        (
            "web::people",
            "use crate::org::service::list; // crate::org::api in a comment",
        ),
    ]);
    assert_eq!(violations(&clean), Vec::<String>::new());

    let mut with_loop = clean.clone();
    with_loop.insert("org::store".into(), "use crate::org::service;".into());
    let found = violations(&with_loop);
    assert!(
        found
            .iter()
            .any(|v| v.contains("import loop") && v.contains("org::service ⇄ org::store")),
        "{found:?}"
    );

    let mut upward = clean.clone();
    upward.insert(
        "org::service".into(),
        "use crate::{org::{api::Page, store}, db};".into(),
    );
    let found = violations(&upward);
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("org::service imports org::api")),
        "{found:?}"
    );

    let mut query_in_handler = clean.clone();
    query_in_handler.insert(
        "org::api".into(),
        "fn h() { crate::db::schema::teams::table; }".into(),
    );
    let found = violations(&query_in_handler);
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("org::api imports db::schema")),
        "{found:?}"
    );

    let mut web_elsewhere = clean.clone();
    web_elsewhere.insert("org::service".into(), "use crate::web::people;".into());
    let found = violations(&web_elsewhere);
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("org::service imports web::people")),
        "{found:?}"
    );

    let mut test_only = clean;
    test_only.insert(
        "org::store".into(),
        "use crate::db;\n#[cfg(test)]\nmod tests { use crate::org::api::OrgApi; }".into(),
    );
    assert_eq!(violations(&test_only), Vec::<String>::new());
}
