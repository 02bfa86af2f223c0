//! Reading meaning out of commit messages: subject and body, trailers, conventional
//! commit type and scope, pull-request numbers and reverts. Pure string functions, so
//! they are tested without a repository.

use crate::history::{CommitId, Conventional, Trailer};

/// The parts of a commit message valuestory uses. The rest of the body is not kept:
/// a long history's messages would be most of what a build holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    /// The body's first line (in a merge, the title of the pull request it merged).
    pub title: String,
    /// The body's trailer paragraph as written, or empty; [`trailers`] reads it.
    pub trailer_block: String,
    pub conventional: Option<Conventional>,
    pub pull_request: Option<u32>,
    pub reverts: Option<CommitId>,
    /// What the message says the commit reverts ([`reverted`]).
    pub reverted: Vec<Reverted>,
}

pub fn parse(message: &str) -> Message {
    let message = message.trim_start_matches(['\n', '\r']);
    let (subject_block, body) = match message.find("\n\n") {
        Some(i) => (&message[..i], message[i + 2..].trim()),
        None => (message, ""),
    };
    // Like git, a subject that wraps over several lines is joined into one.
    let subject = subject_block
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let mut conventional = conventional(&subject);
    let trailer_block = trailer_block(body);
    if let Some(c) = conventional.as_mut() {
        c.breaking |= trailers(trailer_block)
            .iter()
            .any(|t| t.key == "BREAKING CHANGE" || t.key == "BREAKING-CHANGE");
    }
    let reverts = reverts(body);
    // `reverted` finds nothing without one of these; most commits have none.
    let may_revert =
        reverts.is_some() || body.contains("Reverts ") || revert_subject(&subject).is_some();
    Message {
        pull_request: pull_request(&subject),
        reverts,
        reverted: if may_revert {
            reverted(&subject, body)
        } else {
            Vec::new()
        },
        title: body.lines().next().unwrap_or_default().to_string(),
        trailer_block: trailer_block.to_string(),
        subject,
        conventional,
    }
}

/// `type(scope)!: description`, with a type of ASCII letters.
pub fn conventional(subject: &str) -> Option<Conventional> {
    let colon = subject.find(": ")?;
    let head = &subject[..colon];
    let (head, breaking) = match head.strip_suffix('!') {
        Some(h) => (h, true),
        None => (head, false),
    };
    let (kind, scope) = match head.find('(') {
        Some(open) => {
            let scope = head[open + 1..].strip_suffix(')')?;
            if scope.is_empty() || scope.contains(['(', ')']) {
                return None;
            }
            (&head[..open], Some(scope.trim().to_string()))
        }
        None => (head, None),
    };
    if kind.is_empty() || kind.len() > 20 || !kind.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    if subject[colon + 2..].trim().is_empty() {
        return None;
    }
    Some(Conventional {
        kind: kind.to_ascii_lowercase(),
        scope,
        breaking,
    })
}

/// `Merge pull request #12 from owner/branch`, or a squash subject ending in `(#12)`.
pub fn pull_request(subject: &str) -> Option<u32> {
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return digits.parse().ok();
    }
    let inner = subject.trim_end().strip_suffix(')')?;
    let open = inner.rfind("(#")?;
    let digits = &inner[open + 2..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The commit named by git's own `This reverts commit <id>.` line.
pub fn reverts(body: &str) -> Option<CommitId> {
    let at = body.find("This reverts commit ")?;
    let rest = &body[at + "This reverts commit ".len()..];
    CommitId::from_hex(rest.get(..40)?)
}

/// What a revert names as the work it undoes, most certain first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reverted {
    /// `This reverts commit <id>.` (git's own line).
    Commit(CommitId),
    /// `Reverts #N` or `Reverts owner/repo#N` (GitHub's revert button), or a
    /// `(#N)` left in a reverted subject.
    PullRequest(u32),
    /// The reverted commit's description, as [`description`] writes it.
    Description(String),
}

/// Whether a subject says it reverts something: `Revert "…"`, `revert: …`,
/// `revert(scope): …`; and what it names.
fn revert_subject(subject: &str) -> Option<&str> {
    if let Some(rest) = subject.strip_prefix("Revert \"") {
        // The quoted subject, up to its last quote; a revert of a revert nests.
        return Some(rest.rfind('"').map_or(rest, |end| &rest[..end]));
    }
    let c = conventional(subject)?;
    let colon = subject.find(": ")?;
    (c.kind == "revert").then(|| subject[colon + 2..].trim())
}

/// A subject's description for matching a revert to its original: the text after a
/// conventional `type(scope): `, without trailing `(#N)` pull-request numbers,
/// lower-cased and with blanks collapsed.
pub fn description(subject: &str) -> String {
    let mut text = match conventional(subject) {
        Some(_) => subject[subject.find(": ").map_or(0, |i| i + 2)..].trim(),
        None => subject.trim(),
    };
    while let Some(n) = pull_request(text)
        && let Some(at) = text.rfind(&format!("(#{n})"))
    {
        text = text[..at].trim_end();
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What the commit reverts, most certain first; empty when it is no revert.
///
/// The subject decides: a squashed pull request whose body lists the reverts of
/// its own commits (`feat: x (#12)` with `This reverts commit …` lines) is not a
/// revert. A subject with no pull-request number (git's default `Revert "…"`, or a
/// subject someone edited) lets the body's lines count.
pub fn reverted(subject: &str, body: &str) -> Vec<Reverted> {
    let named = revert_subject(subject);
    let squash = pull_request(subject).is_some();
    let mut out = Vec::new();
    if named.is_some() || !squash {
        if let Some(id) = reverts(body) {
            out.push(Reverted::Commit(id));
        }
        for line in body.lines() {
            let Some(rest) = line.trim().strip_prefix("Reverts ") else {
                continue;
            };
            // `#12` or `owner/repo#12`.
            let Some(hash) = rest.find('#') else { continue };
            let before = &rest[..hash];
            let digits: String = rest[hash + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let plain = before.is_empty()
                || (before.split('/').count() == 2 && !before.contains(char::is_whitespace));
            if plain && let Ok(n) = digits.parse() {
                out.push(Reverted::PullRequest(n));
            }
        }
    }
    if let Some(named) = named {
        // The revert's own pull request number comes last in its subject; a number
        // left inside what it names is the reverted pull request's.
        let own = pull_request(subject);
        let mut inner = named.trim();
        if revert_subject(subject).is_some()
            && !subject.starts_with("Revert \"")
            && let Some(n) = own
            && let Some(at) = inner.rfind(&format!("(#{n})"))
        {
            inner = inner[..at].trim_end();
        }
        if let Some(m) = pull_request(inner) {
            out.push(Reverted::PullRequest(m));
        }
        let d = description(inner);
        if !d.is_empty() {
            out.push(Reverted::Description(d));
        }
    }
    out
}

/// The trailers of a body: its last paragraph, when every line of it is a
/// `Key: value` line or the indented continuation of one (git interpret-trailers'
/// rule, without its exceptions for git-generated lines).
pub fn trailers(body: &str) -> Vec<Trailer> {
    let Some(last) = body.trim_end().rsplit("\n\n").next() else {
        return Vec::new();
    };
    trailer_lines(last).unwrap_or_default()
}

/// The paragraph of a body that [`trailers`] reads, or empty when it reads none.
pub fn trailer_block(body: &str) -> &str {
    let last = body.trim_end().rsplit("\n\n").next().unwrap_or_default();
    match trailer_lines(last) {
        Some(found) if !found.is_empty() => last,
        _ => "",
    }
}

/// The trailers of one paragraph, or `None` when a line of it is not one.
fn trailer_lines(last: &str) -> Option<Vec<Trailer>> {
    let mut out: Vec<Trailer> = Vec::new();
    for line in last.lines() {
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some(t) => {
                    t.value.push(' ');
                    t.value.push_str(line.trim());
                    continue;
                }
                None => return None,
            }
        }
        let colon = line.find(':')?;
        let key = &line[..colon];
        let valid_key = !key.is_empty()
            && (key == "BREAKING CHANGE"
                || key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !valid_key {
            return None;
        }
        out.push(Trailer {
            key: key.to_string(),
            value: line[colon + 1..].trim().to_string(),
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_subject_with_scope_and_bang() {
        let c = conventional("feat(checkout)!: one-click buy").unwrap();
        assert_eq!(c.kind, "feat");
        assert_eq!(c.scope.as_deref(), Some("checkout"));
        assert!(c.breaking);
        assert_eq!(conventional("Fix: thing").unwrap().kind, "fix");
        assert!(conventional("Update README").is_none());
        assert!(conventional("feat(: x").is_none());
        assert!(conventional("see http://x: y").is_none());
    }

    #[test]
    fn pull_request_numbers_from_both_styles() {
        assert_eq!(
            pull_request("Merge pull request #42 from acme/one-click"),
            Some(42)
        );
        assert_eq!(pull_request("feat: one click (#7)"), Some(7));
        assert_eq!(pull_request("feat: one click (#x)"), None);
        assert_eq!(pull_request("feat: one click"), None);
    }

    #[test]
    fn trailers_only_from_a_last_paragraph_of_key_values() {
        let body = "Explains.\n\nInitiative: one-click\nCo-authored-by: A <a@x>\n  continued";
        let t = trailers(body);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].key, "Initiative");
        assert_eq!(t[1].value, "A <a@x> continued");
        assert!(trailers("Just prose: with a colon\nand more prose").is_empty());
        assert!(trailers("").is_empty());
    }

    #[test]
    fn revert_names_the_reverted_commit() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        let m = parse(&format!(
            "Revert \"feat: x\"\n\nThis reverts commit {id}.\n"
        ));
        assert_eq!(m.reverts.unwrap().to_hex(), id);
        assert_eq!(m.subject, "Revert \"feat: x\"");
    }

    #[test]
    fn each_form_of_revert_names_what_it_undoes() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        let commit = Reverted::Commit(CommitId::from_hex(id).unwrap());
        // git's own.
        assert_eq!(
            reverted("Revert \"feat: x\"", &format!("This reverts commit {id}.")),
            vec![commit.clone(), Reverted::Description("x".into())]
        );
        // A conventional revert, squash-merged: its own number (#1257) is dropped,
        // the one inside names the reverted pull request.
        assert_eq!(
            reverted(
                "revert(repo): use the correct order while diffing paths (#1188) (#1257)",
                ""
            ),
            vec![
                Reverted::PullRequest(1188),
                Reverted::Description("use the correct order while diffing paths".into())
            ]
        );
        // GitHub's revert button.
        assert_eq!(
            reverted(
                "Revert \"fix: cache keys (#40)\" (#41)",
                "Reverts acme/shop#40"
            ),
            vec![
                Reverted::PullRequest(40),
                Reverted::PullRequest(40),
                Reverted::Description("cache keys".into())
            ]
        );
        assert_eq!(
            reverted("revert: thing", "Reverts #7"),
            vec![
                Reverted::PullRequest(7),
                Reverted::Description("thing".into())
            ]
        );
        // A squashed pull request whose body lists reverts of its own commits is
        // what its subject says, not a revert.
        assert!(
            reverted(
                "feat: new checkout (#90)",
                &format!("* Revert \"wip\"\n\nThis reverts commit {id}.")
            )
            .is_empty()
        );
        // A plain commit with git's line and an edited subject still reverts.
        assert_eq!(
            reverted(
                "Undo the cache change",
                &format!("This reverts commit {id}.")
            ),
            vec![commit]
        );
        assert!(reverted("feat: reverting is hard", "").is_empty());
        assert_eq!(
            description("fix(repo): Use  the order (#1188)"),
            "use the order"
        );
    }

    /// Lines a message is built from: prose, trailers, their continuations,
    /// revert lines of every form, blank lines.
    const LINES: &[&str] = &[
        "Some prose here.",
        "Prose: with a colon",
        "Co-authored-by: A <a@x>",
        "Signed-off-by: B <b@x>",
        "Initiative: checkout",
        "BREAKING CHANGE: gone",
        "  continued",
        "Reverts #12",
        "Reverts owner/repo#7",
        "This reverts commit 0123456789abcdef0123456789abcdef01234567.",
        "",
        "",
    ];
    const SUBJECTS: &[&str] = &[
        "feat: x",
        "Revert \"feat: x (#3)\"",
        "REVERT: feat: x",
        "revert(api): y (#4) (#5)",
        "Merge pull request #9 from o/b",
        "Tidy up",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: crate::testing::property_cases(2000),
            failure_persistence: None,
            ..Default::default()
        })]

        /// A commit keeps only its body's first line, its trailer paragraph and
        /// what it reverts; each reads back as the whole body would have.
        #[test]
        fn what_a_message_keeps_reads_as_the_whole_body(
            subject in 0..SUBJECTS.len(),
            lines in proptest::collection::vec(0..LINES.len(), 0..8),
        ) {
            let subject = SUBJECTS[subject];
            let text: Vec<&str> = lines.iter().map(|&i| LINES[i]).collect();
            let message = format!("{subject}\n\n{}", text.join("\n"));
            let body = message[subject.len()..].trim();
            let m = parse(&message);
            proptest::prop_assert_eq!(trailers(&m.trailer_block), trailers(body));
            proptest::prop_assert_eq!(&m.reverted, &reverted(subject, body));
            proptest::prop_assert_eq!(m.title.as_str(), body.lines().next().unwrap_or_default());
        }
    }

    #[test]
    fn breaking_change_footer_marks_breaking() {
        let m = parse("feat: api\n\nBREAKING CHANGE: the old endpoint is gone");
        assert!(m.conventional.unwrap().breaking);
    }
}
