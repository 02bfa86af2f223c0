//! Reading meaning out of commit messages: subject and body, trailers, conventional
//! commit type and scope, pull-request numbers and reverts. Pure string functions, so
//! they are tested without a repository.

use crate::history::{CommitId, Conventional, Trailer};

/// The parts of a commit message valuestory uses.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
    pub trailers: Vec<Trailer>,
    pub conventional: Option<Conventional>,
    pub pull_request: Option<u32>,
    pub reverts: Option<CommitId>,
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
    let trailers = trailers(body);
    if let Some(c) = conventional.as_mut() {
        c.breaking |= trailers
            .iter()
            .any(|t| t.key == "BREAKING CHANGE" || t.key == "BREAKING-CHANGE");
    }
    Message {
        pull_request: pull_request(&subject),
        reverts: reverts(body),
        subject,
        body: body.to_string(),
        trailers,
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

/// The trailers of a body: its last paragraph, when every line of it is a
/// `Key: value` line or the indented continuation of one (git interpret-trailers'
/// rule, without its exceptions for git-generated lines).
pub fn trailers(body: &str) -> Vec<Trailer> {
    let Some(last) = body.trim_end().rsplit("\n\n").next() else {
        return Vec::new();
    };
    let mut out: Vec<Trailer> = Vec::new();
    for line in last.lines() {
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some(t) => {
                    t.value.push(' ');
                    t.value.push_str(line.trim());
                    continue;
                }
                None => return Vec::new(),
            }
        }
        let Some(colon) = line.find(':') else {
            return Vec::new();
        };
        let key = &line[..colon];
        let valid_key = !key.is_empty()
            && (key == "BREAKING CHANGE"
                || key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !valid_key {
            return Vec::new();
        }
        out.push(Trailer {
            key: key.to_string(),
            value: line[colon + 1..].trim().to_string(),
        });
    }
    out
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
    fn breaking_change_footer_marks_breaking() {
        let m = parse("feat: api\n\nBREAKING CHANGE: the old endpoint is gone");
        assert!(m.conventional.unwrap().breaking);
    }
}
