//! The `/` filter: a query parsed once per keystroke, compiled against one snapshot into sets
//! of matching namespaces and processes, plus, per view, the nodes that lead to a match (shown
//! and opened automatically).
//!
//! The query language, k9s-like:
//! - plain words: a substring (case-insensitive) of a namespace's inode, type or any of its
//!   names (hostname, container, `ip netns` name, bind path, `host`), or of a process's pid,
//!   command line or user;
//! - qualifiers `type:net` (comma-separated types), `name:web`, `pid:42`, `user:alice`,
//!   `cmd:nginx`, `is:leak` (probable leaks, as `nsview leaks` says), combined with the words
//!   (all must hold);
//! - `~regex` instead of words; `!` in front of either inverts it.
//!
//! The lowercased search text is built once per scan ([`SearchText`]), so a keystroke over
//! thousands of processes is substring searches only.

use std::collections::{HashMap, HashSet};

use crate::model::{Inode, NsKind, Pid, Snapshot};

use super::names::{Enrichment, names_of};
use super::tree::{IdSet, Index, NodeKey, View, children_of, roots_of};

/// What the filter searches, for one scan.
#[derive(Debug, Default)]
pub struct SearchText {
    /// Each namespace: inode digits, type and names, NUL-separated so that no query (typed text
    /// has no NUL) matches across two of them.
    namespaces: Vec<(Inode, NsKind, String, String)>,
    /// Each process: pid, command line and user name, NUL-separated, in one string.
    processes: Vec<ProcessText>,
    /// The probable leaks (from the enrichment), for `is:leak`.
    leaks: HashSet<Inode>,
}

/// One process's search text, `pid\0command\0user` lowercased: one allocation per process per
/// scan (the command and the user are slices of it).
#[derive(Debug)]
struct ProcessText {
    pid: Pid,
    text: String,
    /// Where the command starts, and where the user starts (after the command's NUL).
    command_at: usize,
    user_at: usize,
}

impl ProcessText {
    fn new(pid: Pid, command: &str, user: &str) -> ProcessText {
        use std::fmt::Write;
        let mut text = String::with_capacity(12 + command.len() + user.len());
        // Writing into a String cannot fail.
        let _ = write!(text, "{pid}\0");
        let command_at = text.len();
        if command.is_ascii() {
            text.push_str(command);
            text[command_at..].make_ascii_lowercase();
        } else {
            text.push_str(&command.to_lowercase());
        }
        text.push('\0');
        let user_at = text.len();
        text.push_str(user);
        ProcessText {
            pid,
            text,
            command_at,
            user_at,
        }
    }

    fn command(&self) -> &str {
        &self.text[self.command_at..self.user_at - 1]
    }

    fn user(&self) -> &str {
        &self.text[self.user_at..]
    }
}

impl SearchText {
    pub fn build(snapshot: &Snapshot, enrichment: &Enrichment) -> SearchText {
        let mut users: HashMap<u32, String> = HashMap::new();
        let processes = snapshot
            .processes
            .values()
            .map(|p| {
                let user = users
                    .entry(p.uid)
                    .or_insert_with(|| snapshot.user_name(p.uid).to_lowercase());
                ProcessText::new(p.pid, &p.command, user)
            })
            .collect();
        let namespaces = snapshot
            .namespaces
            .values()
            .map(|ns| {
                let names: Vec<String> = names_of(snapshot, enrichment, ns)
                    .into_iter()
                    .map(|n| n.text.to_lowercase())
                    .collect();
                let names = names.join("\0");
                let text = format!("{}\0{}\0{names}", ns.inode, ns.kind.name());
                (ns.inode, ns.kind, text, names)
            })
            .collect();
        SearchText {
            namespaces,
            processes,
            leaks: enrichment.leaks.clone(),
        }
    }
}

/// What the user typed, parsed.
#[derive(Debug, Default)]
pub struct Query {
    /// Free text (words joined by one space), lowercased.
    text: String,
    regex: Option<regex::Regex>,
    invert: bool,
    kinds: Option<[bool; 8]>,
    name: Option<String>,
    pid: Option<Pid>,
    user: Option<String>,
    command: Option<String>,
    /// `is:leak`: only probable leaks.
    leak: bool,
}

impl Query {
    /// Parses a query; Err is a one-line reason (a bad regex, an unknown type).
    pub fn parse(typed: &str) -> Result<Query, String> {
        let mut query = Query::default();
        let mut rest = typed.trim();
        if let Some(after) = rest.strip_prefix('!') {
            query.invert = true;
            rest = after.trim_start();
        }
        if let Some(pattern) = rest.strip_prefix('~') {
            let regex = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    format!("bad regex: {}", e.to_string().lines().last().unwrap_or(""))
                })?;
            query.regex = Some(regex);
            return Ok(query);
        }
        let mut words = Vec::new();
        for word in rest.split_whitespace() {
            let lower = word.to_lowercase();
            match lower.split_once(':') {
                Some(("type", value)) if !value.is_empty() => {
                    let mut kinds = [false; 8];
                    for name in value.split(',').filter(|n| !n.is_empty()) {
                        let kind = NsKind::ALL
                            .into_iter()
                            .find(|k| k.name() == name)
                            .ok_or_else(|| format!("type:{name}: not a namespace type"))?;
                        kinds[kind.index()] = true;
                    }
                    query.kinds = Some(kinds);
                }
                Some(("name", value)) if !value.is_empty() => query.name = Some(value.into()),
                Some(("user", value)) if !value.is_empty() => query.user = Some(value.into()),
                Some(("cmd", value)) if !value.is_empty() => query.command = Some(value.into()),
                Some(("is", "leak")) => query.leak = true,
                Some(("is", value)) => {
                    return Err(format!("is:{value}: expected is:leak"));
                }
                Some(("pid", value)) if !value.is_empty() => {
                    query.pid = Some(
                        value
                            .parse()
                            .map_err(|_| format!("pid:{value}: not a pid"))?,
                    );
                }
                _ => words.push(lower),
            }
        }
        query.text = words.join(" ");
        Ok(query)
    }

    /// True when the query would match everything (nothing typed).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
            && self.regex.is_none()
            && self.kinds.is_none()
            && self.name.is_none()
            && self.pid.is_none()
            && self.user.is_none()
            && self.command.is_none()
            && !self.leak
    }

    /// Whether processes can match at all (a `type:` or `name:` alone selects namespaces).
    fn about_processes(&self) -> bool {
        self.regex.is_some()
            || !self.text.is_empty()
            || self.pid.is_some()
            || self.user.is_some()
            || self.command.is_some()
    }

    /// Whether namespaces can match at all (`pid:`, `user:` and `cmd:` are about processes).
    fn about_namespaces(&self) -> bool {
        self.pid.is_none() && self.user.is_none() && self.command.is_none()
    }

    fn text_matches(&self, text: &str) -> bool {
        match &self.regex {
            Some(regex) => text.split('\0').any(|part| regex.is_match(part)),
            None => text.contains(self.text.as_str()),
        }
    }

    fn namespace_matches(&self, kind: NsKind, leak: bool, text: &str, names: &str) -> bool {
        let hit = self.about_namespaces()
            && self.kinds.is_none_or(|k| k[kind.index()])
            && (leak || !self.leak)
            && self
                .name
                .as_ref()
                .is_none_or(|n| names.contains(n.as_str()))
            && (self.regex.is_some()
                || !self.text.is_empty()
                || self.kinds.is_some()
                || self.name.is_some()
                || self.leak)
            && self.text_matches(text);
        hit != self.invert
    }

    fn process_matches(&self, pid: Pid, text: &str, command: &str, user: &str) -> bool {
        // A probable leak has no member processes: `is:leak` selects namespaces only.
        let hit = self.about_processes()
            && !self.leak
            && self.pid.is_none_or(|p| p == pid)
            && self.user.as_ref().is_none_or(|u| user.contains(u.as_str()))
            && self
                .command
                .as_ref()
                .is_none_or(|c| command.contains(c.as_str()))
            && self.text_matches(text);
        hit != self.invert
    }
}

/// The filter, compiled against one snapshot.
#[derive(Debug, Default)]
pub struct Filter {
    active: bool,
    /// Why the query could not be used, for the header.
    pub problem: Option<String>,
    /// Types a `type:` qualifier allows (processes count only under those).
    kinds_allowed: Option<[bool; 8]>,
    kinds: [bool; 8],
    namespaces: IdSet<Inode>,
    processes: IdSet<Pid>,
    /// Per view: nodes with a matching descendant (shown and opened automatically).
    leads_to_match: [IdSet<NodeKey>; 3],
    /// Per type: namespaces shown under the filter (matching or leading to a match).
    kind_shown: [usize; 8],
}

impl Filter {
    /// Compiles `typed` against the snapshot. An empty query is an inactive filter; a query
    /// that does not parse matches nothing and says why.
    pub fn compile(typed: &str, snapshot: &Snapshot, index: &Index, search: &SearchText) -> Filter {
        if typed.trim().is_empty() {
            return Filter::default();
        }
        let mut filter = Filter {
            active: true,
            ..Filter::default()
        };
        let query = match Query::parse(typed) {
            Ok(query) if !query.is_empty() => query,
            Ok(_) => return filter,
            Err(problem) => {
                filter.problem = Some(problem);
                return filter;
            }
        };
        filter.kinds_allowed = query.kinds.filter(|_| !query.invert);
        // A type node matches a plain word that names it, or a lone `type:`.
        for kind in NsKind::ALL {
            filter.kinds[kind.index()] = !query.invert
                && query.regex.is_none()
                && query.name.is_none()
                && !query.leak
                && query.about_namespaces()
                && query.kinds.is_none_or(|k| k[kind.index()])
                && (query.text.is_empty() || kind.name() == query.text);
        }
        for (inode, kind, text, names) in &search.namespaces {
            let leak = search.leaks.contains(inode);
            if query.namespace_matches(*kind, leak, text, names) {
                filter.namespaces.insert(*inode);
            }
        }
        for p in &search.processes {
            if query.process_matches(p.pid, &p.text, p.command(), p.user()) {
                filter.processes.insert(p.pid);
            }
        }
        for view in View::ALL {
            filter.leads_to_match[view.index()] = leads_to_match(view, snapshot, index, &filter);
        }
        for kind in NsKind::ALL {
            filter.kind_shown[kind.index()] = index.by_kind[kind.index()]
                .iter()
                .filter(|&&inode| {
                    filter.namespaces.contains(&inode)
                        || filter.leads_to_match[View::Type.index()].contains(&NodeKey::Ns(inode))
                })
                .count();
        }
        filter
    }

    pub fn active(&self) -> bool {
        self.active
    }

    pub fn matches(&self, key: NodeKey) -> bool {
        match key {
            NodeKey::Kind(kind) => self.kinds[kind.index()],
            NodeKey::Ns(inode) => self.namespaces.contains(&inode),
            NodeKey::Members(_) => false,
            // Under a namespace of a type `type:` excludes, a process row is never shown
            // (nothing leads there), so the pid alone decides.
            NodeKey::Proc(_, pid) => self.processes.contains(&pid),
        }
    }

    pub fn leads(&self, view: View) -> &IdSet<NodeKey> {
        &self.leads_to_match[view.index()]
    }

    /// How many namespaces and processes match.
    pub fn counts(&self) -> (usize, usize) {
        (self.namespaces.len(), self.processes.len())
    }

    /// Namespaces of `kind` shown under the filter.
    pub fn kind_shown(&self, kind: NsKind) -> usize {
        self.kind_shown[kind.index()]
    }

    /// Whether a view would show anything: a root that matches or leads to a match.
    pub fn shows_anything(&self, view: View, index: &Index) -> bool {
        roots_of(view, index)
            .into_iter()
            .any(|root| self.matches(root) || self.leads(view).contains(&root))
    }
}

/// The nodes of one view that have a matching node somewhere below them. One post-order pass
/// over the namespace nodes; processes are looked up in the filter's set, never walked twice.
fn leads_to_match(
    view: View,
    snapshot: &Snapshot,
    index: &Index,
    filter: &Filter,
) -> IdSet<NodeKey> {
    let mut leads = IdSet::default();
    let member_match = |inode: Inode| {
        snapshot.namespace(inode).is_some_and(|ns| {
            filter.kinds_allowed.is_none_or(|k| k[ns.kind.index()])
                && ns.members.iter().any(|p| filter.processes.contains(p))
        })
    };
    match view {
        View::Type => {
            for kind in NsKind::ALL {
                let mut any = false;
                for &inode in &index.by_kind[kind.index()] {
                    if member_match(inode) {
                        leads.insert(NodeKey::Ns(inode));
                        any = true;
                    }
                    any |= filter.namespaces.contains(&inode);
                }
                if any {
                    leads.insert(NodeKey::Kind(kind));
                }
            }
        }
        View::Owner | View::PidTree => {
            // Iterative post-order over the namespace forest.
            let roots = roots_of(view, index);
            let mut stack: Vec<(NodeKey, bool)> = roots.into_iter().map(|k| (k, false)).collect();
            while let Some((key, children_done)) = stack.pop() {
                let NodeKey::Ns(inode) = key else { continue };
                let kids = children_of(view, key, snapshot, index);
                if !children_done {
                    stack.push((key, true));
                    stack.extend(kids.into_iter().map(|k| (k, false)));
                    continue;
                }
                let mut any = false;
                for kid in kids {
                    match kid {
                        NodeKey::Ns(child) => {
                            any |= filter.namespaces.contains(&child)
                                || leads.contains(&NodeKey::Ns(child));
                        }
                        NodeKey::Members(ns) if member_match(ns) => {
                            leads.insert(kid);
                            any = true;
                        }
                        _ => {}
                    }
                }
                if any {
                    leads.insert(NodeKey::Ns(inode));
                }
            }
        }
    }
    leads
}

#[cfg(test)]
mod tests {
    use super::ProcessText;

    /// The one-string form says what `format!("{pid}\0{}\0{user}", command.to_lowercase())`
    /// said, and its slices are the command and the user.
    #[test]
    fn process_text_is_the_lowercased_pid_command_and_user() {
        for command in [
            "",
            "Sleep 600",
            "nginx: MASTER",
            "ΣΟΦΟΣ kworker/R-netns",
            "é\u{301}ß",
        ] {
            let p = ProcessText::new(42, command, "alice");
            let lower = command.to_lowercase();
            assert_eq!(p.text, format!("42\0{lower}\0alice"));
            assert_eq!(p.command(), lower);
            assert_eq!(p.user(), "alice");
        }
    }
}
