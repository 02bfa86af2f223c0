//! Where a commit can be seen on the web: the forge the repository lives on, from
//! `repository_url` (and `forge:`) in the configuration, or derived from
//! `remote.origin.url` for the four public forges whose addresses valuestory knows.
//! Credentials in a remote URL (`https://user:token@host/...`) are dropped before
//! anything else is done with it: they are never used, written or shown.

use serde::Serialize;

/// A forge's kind, which decides how a commit's address is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Github,
    Gitlab,
    Bitbucket,
    /// Codeberg and other Forgejo or Gitea hosts.
    Forgejo,
}

impl Kind {
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "github" => Some(Kind::Github),
            "gitlab" => Some(Kind::Gitlab),
            "bitbucket" => Some(Kind::Bitbucket),
            "forgejo" | "gitea" | "codeberg" => Some(Kind::Forgejo),
            _ => None,
        }
    }

    fn of_host(host: &str) -> Option<Kind> {
        match host {
            "github.com" => Some(Kind::Github),
            "gitlab.com" => Some(Kind::Gitlab),
            "bitbucket.org" => Some(Kind::Bitbucket),
            "codeberg.org" => Some(Kind::Forgejo),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Forge {
    /// `https://host/owner/repo`, without credentials or `.git`.
    pub url: String,
    pub kind: Kind,
}

impl Forge {
    /// The web address of a commit.
    pub fn commit_url(&self, id: &str) -> String {
        match self.kind {
            Kind::Github | Kind::Forgejo => format!("{}/commit/{id}", self.url),
            Kind::Gitlab => format!("{}/-/commit/{id}", self.url),
            Kind::Bitbucket => format!("{}/commits/{id}", self.url),
        }
    }
}

/// `host` and `owner/repo` of a remote URL in any of git's forms, credentials
/// and port dropped.
fn host_and_path(remote: &str) -> Option<(String, String)> {
    let remote = remote.trim();
    let (host, path) = if let Some(rest) = remote
        .strip_prefix("https://")
        .or_else(|| remote.strip_prefix("http://"))
        .or_else(|| remote.strip_prefix("ssh://"))
        .or_else(|| remote.strip_prefix("git://"))
    {
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        (host.split(':').next()?.to_string(), path.to_string())
    } else {
        // scp-like: user@host:owner/repo.git
        let (left, path) = remote.split_once(':')?;
        let host = left.rsplit_once('@').map_or(left, |(_, h)| h);
        if host.contains('/') {
            return None;
        }
        (host.to_string(), path.to_string())
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path).trim_matches('/');
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
            && !s.split('/').any(|p| p.is_empty() || p == "." || p == "..")
    };
    (ok(path) && ok(&host)).then(|| (host.to_ascii_lowercase(), path.to_string()))
}

/// The forge of a repository: the configured URL and kind, else the origin
/// remote's when it is one of the known public forges.
pub fn find(configured: Option<(&str, Option<Kind>)>, origin: Option<&str>) -> Option<Forge> {
    if let Some((url, kind)) = configured {
        let (host, path) = host_and_path(url)?;
        let kind = kind.or_else(|| Kind::of_host(&host))?;
        return Some(Forge {
            url: format!("https://{host}/{path}"),
            kind,
        });
    }
    let (host, path) = host_and_path(origin?)?;
    let kind = Kind::of_host(&host)?;
    Some(Forge {
        url: format!("https://{host}/{path}"),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_forges_are_found_from_any_remote_form_and_credentials_dropped() {
        for remote in [
            "https://user:s3cret-token@github.com/acme/shop.git",
            "git@github.com:acme/shop.git",
            "ssh://git@github.com:22/acme/shop",
            "https://github.com/acme/shop/",
        ] {
            let f = find(None, Some(remote)).unwrap();
            assert_eq!(f.url, "https://github.com/acme/shop", "{remote}");
            assert_eq!(
                f.commit_url("abc"),
                "https://github.com/acme/shop/commit/abc"
            );
        }
        let g = find(None, Some("https://gitlab.com/group/sub/app.git")).unwrap();
        assert_eq!(
            g.commit_url("abc"),
            "https://gitlab.com/group/sub/app/-/commit/abc"
        );
        let b = find(None, Some("git@bitbucket.org:team/app.git")).unwrap();
        assert_eq!(
            b.commit_url("abc"),
            "https://bitbucket.org/team/app/commits/abc"
        );
        let c = find(None, Some("https://codeberg.org/me/tool")).unwrap();
        assert_eq!(
            c.commit_url("abc"),
            "https://codeberg.org/me/tool/commit/abc"
        );
    }

    #[test]
    fn another_host_needs_the_configuration_and_odd_paths_are_refused() {
        assert_eq!(
            find(None, Some("https://git.example.com/acme/shop.git")),
            None
        );
        let f = find(
            Some(("https://git.example.com/acme/shop", Some(Kind::Gitlab))),
            None,
        )
        .unwrap();
        assert_eq!(
            f.commit_url("abc"),
            "https://git.example.com/acme/shop/-/commit/abc"
        );
        assert_eq!(
            find(Some(("https://git.example.com/acme/shop", None)), None),
            None
        );
        assert_eq!(find(None, Some("https://github.com/acme/../x")), None);
        assert_eq!(
            find(None, Some("https://github.com/acme/\"><script>")),
            None
        );
        assert_eq!(find(None, Some("/srv/git/shop.git")), None);
    }
}
