//! An export of merged pull requests, as GitHub's command line writes it:
//!
//! ```text
//! gh pr list --state merged --limit 1000 --json number,title,author,createdAt,mergedAt,reviews,commits,additions,deletions,baseRefName,mergeCommit > pull-requests.json
//! ```
//!
//! A squash-merge repository's history holds one commit per pull request, so when
//! it was opened, first reviewed and first committed to is lost; the export gives
//! them back. Only the fields read here are required; any others are ignored.

use serde::Deserialize;

use crate::error::Located;
use crate::history::CommitId;

/// One merged pull request, its moments in seconds since the epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub number: u32,
    pub opened: i64,
    pub merged: i64,
    /// The first submitted review, when it had one.
    pub first_review: Option<i64>,
    /// The earliest authored commit, when the export lists its commits.
    pub first_commit: Option<i64>,
    pub merge_commit: Option<CommitId>,
}

#[derive(Deserialize)]
struct Raw {
    number: u32,
    #[serde(rename = "createdAt")]
    created_at: String,
    #[serde(rename = "mergedAt")]
    merged_at: Option<String>,
    #[serde(default)]
    reviews: Vec<RawReview>,
    #[serde(default)]
    commits: Vec<RawCommit>,
    #[serde(rename = "mergeCommit")]
    merge_commit: Option<RawOid>,
}

#[derive(Deserialize)]
struct RawReview {
    #[serde(rename = "submittedAt")]
    submitted_at: Option<String>,
}

#[derive(Deserialize)]
struct RawCommit {
    #[serde(rename = "authoredDate")]
    authored_date: Option<String>,
}

#[derive(Deserialize)]
struct RawOid {
    oid: String,
}

/// The largest export read: a hundred thousand pull requests fit well inside.
pub const MAX_BYTES: u64 = 256 << 20;

/// The merged pull requests of an export named `name`; a pull request not merged
/// is left out. A problem is located in the file.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Vec<Exported>, Located> {
    let raw: Vec<Raw> = serde_json::from_slice(bytes).map_err(|e| Located {
        path: name.to_string(),
        line: e.line() as u64,
        column: e.column() as u64,
        message: format!(
            "not a pull-request export as `gh pr list --json number,createdAt,mergedAt,reviews,commits,mergeCommit` writes it: {}",
            crate::error::without_json_position(&e.to_string())
        ),
    })?;
    let mut out = Vec::new();
    for (k, r) in raw.into_iter().enumerate() {
        let problem = |message: String| Located {
            path: name.to_string(),
            line: 1,
            column: 1,
            message: format!("pull request {} (entry {}): {message}", r.number, k + 1),
        };
        let time = |field: &str, text: &str| {
            crate::time::parse_date_or_datetime(text)
                .map_err(|m| problem(format!("`{field}`: {m}")))
        };
        let Some(merged) = &r.merged_at else { continue };
        let merged = time("mergedAt", merged)?;
        let opened = time("createdAt", &r.created_at)?;
        let mut first_review = None;
        for review in &r.reviews {
            if let Some(t) = &review.submitted_at {
                let t = time("reviews.submittedAt", t)?;
                first_review = Some(first_review.map_or(t, |f: i64| f.min(t)));
            }
        }
        let mut first_commit = None;
        for c in &r.commits {
            if let Some(t) = &c.authored_date {
                let t = time("commits.authoredDate", t)?;
                first_commit = Some(first_commit.map_or(t, |f: i64| f.min(t)));
            }
        }
        let merge_commit = match &r.merge_commit {
            Some(m) => Some(CommitId::from_hex(&m.oid).ok_or_else(|| {
                problem(format!("`mergeCommit.oid` `{}` is no commit id", m.oid))
            })?),
            None => None,
        };
        out.push(Exported {
            number: r.number,
            opened,
            merged,
            first_review,
            first_commit,
            merge_commit,
        });
    }
    out.sort_by_key(|p| p.number);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_gh_writes_and_locates_what_it_cannot() {
        let text = br#"[
          {"number": 7, "title": "x", "createdAt": "2024-01-02T10:00:00Z", "mergedAt": "2024-01-03T10:00:00Z",
           "reviews": [{"submittedAt": "2024-01-02T15:00:00Z"}, {"submittedAt": "2024-01-02T12:00:00Z"}],
           "commits": [{"authoredDate": "2024-01-01T09:00:00Z"}, {"authoredDate": "2024-01-02T09:00:00Z"}],
           "mergeCommit": {"oid": "0123456789abcdef0123456789abcdef01234567"}},
          {"number": 8, "createdAt": "2024-01-02T10:00:00Z", "mergedAt": null}
        ]"#;
        let list = parse("prs.json", text).unwrap();
        assert_eq!(list.len(), 1);
        let p = &list[0];
        assert_eq!(p.merged - p.opened, 86_400);
        assert_eq!(p.first_review.unwrap() - p.opened, 2 * 3_600);
        assert_eq!(p.opened - p.first_commit.unwrap(), 25 * 3_600);
        let e = parse("prs.json", b"[{\"number\": 1}]").unwrap_err();
        assert_eq!((e.path.as_str(), e.line), ("prs.json", 1));
        assert!(
            e.message.contains("missing field `createdAt`"),
            "{}",
            e.message
        );
        let e = parse(
            "prs.json",
            br#"[{"number": 1, "createdAt": "soon", "mergedAt": "2024-01-03T10:00:00Z"}]"#,
        )
        .unwrap_err();
        assert!(
            e.message
                .starts_with("pull request 1 (entry 1): `createdAt`"),
            "{}",
            e.message
        );
    }
}
