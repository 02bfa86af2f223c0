//! The catalog of bad and hostile input: each case runs the real binary and expects
//! an exact outcome (a located error, a warning, or a correct result), and no case
//! may crash (exit code 101, or a signal).

use std::process::Output;

use crate::support::*;

/// A repository with one commit holding `files` (tagged v1.0.0), built with `args`.
fn run_with(files: &[(&str, &[u8])], command: &[&str]) -> Output {
    let repo = TestRepo::new();
    let mut list: Vec<(&str, &[u8])> = vec![("README.md", b"# x\n".as_slice())];
    list.extend_from_slice(files);
    let c = repo.commit_files(&[], &list, "feat: start", T0);
    repo.tag("v1.0.0", c);
    let out = repo.root.path().join("out");
    let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    args.extend([
        "--repo".to_string(),
        repo.path().to_str().unwrap().to_string(),
    ]);
    if command[0] == "build" {
        args.extend(["--out".to_string(), out.to_str().unwrap().to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    valuestory(&args, repo.root.path())
}

fn all_output(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    code: i32,
    needle: &'static str,
}

fn case(
    name: &'static str,
    path: &'static str,
    content: &str,
    code: i32,
    needle: &'static str,
) -> Case {
    Case {
        name,
        files: vec![(path, content.as_bytes().to_vec())],
        code,
        needle,
    }
}

fn catalog() -> Vec<Case> {
    let goal = "- id: g\n  title: G\n";
    let mut cases = vec![
        case(
            "unclosed flow list",
            "value/goals.yaml",
            "- id: g\n  title: [G\n",
            1,
            "value/goals.yaml:",
        ),
        case(
            "tab indentation",
            "value/goals.yaml",
            "- id: g\n\ttitle: G\n",
            1,
            "value/goals.yaml:",
        ),
        case(
            "duplicate key",
            "value/goals.yaml",
            "- id: g\n  title: A\n  title: B\n",
            1,
            "value/goals.yaml:3:3: duplicate mapping key: title",
        ),
        case(
            "goals as a mapping",
            "value/goals.yaml",
            "id: g\ntitle: G\n",
            1,
            "value/goals.yaml:1:1: expected a list of goals",
        ),
        case(
            "stage time as a list",
            "value/streams/s.yaml",
            "name: S\nstages:\n  - { name: A, process: [1, 2] }\n",
            1,
            "value/streams/s.yaml:3:25: expected a value, found a list",
        ),
        case(
            "unknown team field",
            "value/teams.yaml",
            "- id: t\n  name: T\n  lead: Ann\n",
            1,
            "value/teams.yaml:3:3: unknown field `lead`",
        ),
        case(
            "duplicate goal ids",
            "value/goals.yaml",
            "- id: g\n  title: A\n- id: g\n  title: B\n",
            1,
            "value/goals.yaml:3:7: duplicate goal id `g`",
        ),
        case(
            "duplicate incident ids",
            "value/incidents.yaml",
            "- { id: I-1, title: A, started: 2023-11-14T00:00:00Z }\n- { id: I-1, title: B, started: 2023-11-14T00:00:00Z }\n",
            1,
            "duplicate incident id `I-1`",
        ),
        case(
            "incident naming no release",
            "value/incidents.yaml",
            "- { id: I-1, title: A, started: 2023-11-14T00:00:00Z, caused_by: v9.9.9 }\n",
            1,
            "`caused_by: v9.9.9` names no release tag",
        ),
        case(
            "impossible date",
            "value/goals.yaml",
            "- id: g\n  title: G\n  targets: [{ metric: m, target: t, by: 2025-02-30 }]\n",
            1,
            "invalid date `2025-02-30`",
        ),
        case(
            "impossible time",
            "value/incidents.yaml",
            "- { id: I-1, title: A, started: 2023-11-14T25:00:00Z }\n",
            1,
            "invalid date",
        ),
        case(
            "negative duration",
            "value/streams/s.yaml",
            "name: S\nstages:\n  - { name: A, process: -2d }\n",
            1,
            "invalid duration `-2d`",
        ),
        case(
            "absurd duration",
            "value/streams/s.yaml",
            "name: S\nstages:\n  - { name: A, process: 99999999w }\n",
            1,
            "longer than 100 years",
        ),
        case(
            "percentage over 100",
            "value/streams/s.yaml",
            "name: S\nstages:\n  - { name: A, process: 1h, complete_accurate: 150% }\n",
            1,
            "between 0% and 100%",
        ),
        case(
            "money that is not",
            "value/incidents.yaml",
            "- { id: I-1, title: A, started: 2023-11-14T00:00:00Z, cost: lots }\n",
            1,
            "invalid amount `lots`",
        ),
        case(
            "unquoted version",
            "value/incidents.yaml",
            "- { id: I-1, title: A, started: 2023-11-14T00:00:00Z, caused_by: 1.10 }\n",
            1,
            "put it in quotes",
        ),
        case(
            "team path leaving the repository",
            "value/teams.yaml",
            "- id: t\n  name: T\n  paths: [../secrets/]\n",
            1,
            "must be relative to the repository root",
        ),
        case(
            "absolute path in a match",
            "value/initiatives/i.yaml",
            "title: I\ngoal: g\nmatch: { paths: [/etc/] }\n",
            1,
            "must be relative",
        ),
        case(
            "case study without front matter",
            "value/case-studies/c.md",
            "# Just a title\n",
            1,
            "value/case-studies/c.md:1:1: a case study starts with front matter",
        ),
        case(
            "front matter never closed",
            "value/case-studies/c.md",
            "---\ntitle: T\n",
            1,
            "starts with front matter",
        ),
        case(
            "bad id in a file name",
            "value/streams/Bad Name.yaml",
            "name: S\nstages: [{ name: A, process: 1h }]\n",
            1,
            "file name: invalid id `Bad Name`",
        ),
        case(
            "config unknown key",
            "valuestory.yaml",
            "titel: X\n",
            1,
            "valuestory.yaml:1:1: unknown field `titel` (did you mean `title`?)",
        ),
        case(
            "config bad regex",
            "valuestory.yaml",
            "releases:\n  tag_pattern: '(v'\n",
            1,
            "invalid regular expression",
        ),
        case(
            "config path leaving the repository",
            "valuestory.yaml",
            "commits:\n  paths: [../x]\n",
            1,
            "must be relative",
        ),
        case(
            "template syntax error",
            "value/templates/index.html",
            "{% if %}",
            1,
            "template",
        ),
        case(
            "template including a file outside",
            "value/templates/index.html",
            "{% include \"/etc/passwd\" %}",
            1,
            "template",
        ),
        case(
            "html in a goal title is text",
            "value/goals.yaml",
            "- id: g\n  title: \"<img src=x onerror=alert(1)>\"\n",
            0,
            "",
        ),
        case(
            "script in a case study is dropped",
            "value/case-studies/c.md",
            "---\ntitle: T\ndate: 2023-11-14\nsummary: S\n---\n<script>alert(1)</script>\n",
            0,
            "",
        ),
        case("an empty value folder file", "value/goals.yaml", "", 0, ""),
        case(
            "yaml alias bomb",
            "value/goals.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n",
            1,
            "value/goals.yaml:",
        ),
    ];
    cases.push(Case {
        name: "deeply nested yaml",
        files: vec![(
            "value/goals.yaml",
            format!("{}{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes(),
        )],
        code: 1,
        needle: "value/goals.yaml:",
    });
    cases.push(Case {
        name: "file over 1 MiB",
        files: vec![(
            "value/goals.yaml",
            format!("{goal}# {}\n", "x".repeat(1_100_000)).into_bytes(),
        )],
        code: 1,
        needle: "at most 1048576 bytes",
    });
    cases.push(Case {
        name: "binary where YAML is expected",
        files: vec![(
            "value/goals.yaml",
            vec![0x89, b'P', b'N', b'G', 0, 0xff, 0xfe, 1, 2, 3],
        )],
        code: 1,
        needle: "value/goals.yaml:1:1: is not UTF-8 text",
    });
    cases.push(Case {
        name: "non-UTF-8 file name",
        files: vec![(
            "value/streams/caf\u{e9}.yaml",
            b"name: S\nstages: [{ name: A, process: 1h }]\n".to_vec(),
        )],
        code: 1,
        needle: "file name: invalid id",
    });
    cases.extend(hardening_two());
    cases
}

/// The cases of the second red-team review: sizes checked before reading, nesting
/// bounded, a repository's templates rendered under bounds and checked.
fn hardening_two() -> Vec<Case> {
    let study = |body: String| format!("---\ntitle: T\ndate: 2025-01-01\nsummary: S\n---\n{body}");
    let big = |n: usize| format!("# {}\n", "x".repeat(n));
    let page = |body: &str| {
        format!("{{% extends \"base.html\" %}}{{% block content %}}{body}{{% endblock content %}}")
    };
    let writes = "{% for i in range(end=10000) %}{% for j in range(end=10000) %}0123456789abcdef{% endfor %}{% endfor %}";
    let captures = "{% set x %}{% for i in range(end=10000) %}{% for j in range(end=10000) %}0123456789abcdef{% endfor %}{% endfor %}{% endset %}";
    vec![
        case(
            "case study nested 300 deep in HTML",
            "value/case-studies/deep.md",
            &study("<div>".repeat(300)),
            1,
            "value/case-studies/deep.md:6:1: HTML nested 257 elements deep",
        ),
        case(
            "case study nested 300 deep in Markdown quotes",
            "value/case-studies/quotes.md",
            &study(format!("{} deep\n", ">".repeat(300))),
            1,
            "HTML nested 257 elements deep",
        ),
        case(
            "case study nested 200,000 deep",
            "value/case-studies/bomb.md",
            &study("<div>".repeat(200_000)),
            1,
            "value/case-studies/bomb.md:6:1: HTML nested",
        ),
        case(
            "case study opening 300 with a slash",
            "value/case-studies/slash.md",
            &study("<div/>".repeat(300)),
            1,
            "HTML nested 257 elements deep",
        ),
        case(
            "case study closing what is not open",
            "value/case-studies/stray.md",
            &study("<div></x>".repeat(300)),
            1,
            "HTML nested 257 elements deep",
        ),
        case(
            "case study with 500,000 unclosed tags",
            "value/case-studies/lt.md",
            &study("<a".repeat(500_000)),
            1,
            "HTML nested 257 elements deep",
        ),
        case(
            "template code in a case study is not run",
            "value/case-studies/tpl.md",
            &study("Hello {{ site.title }} {% for x in y %}".into()),
            1,
            "value/case-studies/tpl.md:6:7: unknown figure `site.title`",
        ),
        case(
            "a figure with a misspelt metric",
            "value/case-studies/fig.md",
            &study("\nRate: {{ metric(name=\"cfr\", period=\"2025-Q1\") }}".into()),
            1,
            "value/case-studies/fig.md:7:7: unknown metric `cfr`",
        ),
        case(
            "case study nested 200 deep is fine",
            "value/case-studies/ok.md",
            &study(format!("{}x{}", "<div>".repeat(200), "</div>".repeat(200))),
            0,
            "",
        ),
        case(
            "closed tags do not add up",
            "value/case-studies/flat.md",
            &study("<b>x</b>".repeat(5000)),
            0,
            "",
        ),
        case(
            "goals over 1 MiB",
            "value/goals.yaml",
            &big(1024 * 1024),
            1,
            "value/goals.yaml:1:1: is 1048579 bytes; value folder files may be at most 1048576 bytes",
        ),
        case(
            "a map over 1 MiB",
            "value/streams/s.yaml",
            &big(2 * 1024 * 1024),
            1,
            "value/streams/s.yaml:1:1: is 2097155 bytes",
        ),
        case(
            "a case study over 1 MiB",
            "value/case-studies/long.md",
            &big(1024 * 1024),
            1,
            "value/case-studies/long.md:1:1: is 1048579 bytes",
        ),
        case(
            "config over 1 MiB",
            "valuestory.yaml",
            &big(1024 * 1024),
            1,
            "valuestory.yaml: is 1048579 bytes",
        ),
        case(
            "a template that includes a missing one",
            "value/templates/index.html",
            &page("{% include \"nowhere.html\" %}"),
            1,
            "cannot render the site",
        ),
        case(
            "a template that includes a path out of the folder",
            "value/templates/index.html",
            &page("{% include \"../../.git/config\" %}"),
            1,
            "cannot render the site",
        ),
        case(
            "a template that extends itself",
            "value/templates/index.html",
            "{% extends \"index.html\" %}",
            1,
            "cannot render the site",
        ),
        case(
            "a template with an unknown filter",
            "value/templates/index.html",
            &page("{{ site.title | nosuchfilter }}"),
            1,
            "cannot render the site",
        ),
        case(
            "a template with a range too long",
            "value/templates/index.html",
            &page("{% for i in range(end=100000000000) %}x{% endfor %}"),
            1,
            "cannot render the site",
        ),
        case(
            "a template writing over 20 MiB",
            "value/templates/index.html",
            &page(writes),
            1,
            "template index.html: the page is over 20 MiB, the limit for one page",
        ),
        case(
            "a template capturing without bound",
            "value/templates/index.html",
            &page(captures),
            1,
            "template index.html: rendering held over 64 MiB of memory",
        ),
        case(
            "a template filtering without bound",
            "value/templates/index.html",
            &page(&format!("{{% filter upper %}}{writes}{{% endfilter %}}")),
            1,
            "template index.html: rendering held over 64 MiB of memory",
        ),
        case(
            "a template with script, trusted",
            "value/templates/index.html",
            &page("<script>alert(1)</script>"),
            0,
            "",
        ),
        case(
            "a base template without the policy",
            "value/templates/base.html",
            "<!doctype html><html><head><title>{% block title %}{% endblock title %}</title></head><body>{% block content %}{% endblock content %}</body></html>",
            0,
            "",
        ),
        case(
            "a case study with a handler",
            "value/case-studies/xss.md",
            &study("<img src=x onerror=\"alert(1)\"> <a href=\"javascript:alert(2)\">x</a>".into()),
            0,
            "",
        ),
        case(
            "an incident titled as a formula",
            "value/incidents.yaml",
            "- { id: I-1, title: \"=HYPERLINK(\\\"http://evil\\\")\", started: 2023-11-14T00:00:00Z }\n",
            0,
            "",
        ),
        case(
            "a large mailmap",
            ".mailmap",
            &"A <a@example.com> B <b@example.com>\n".repeat(30_000),
            0,
            "",
        ),
    ]
}

#[test]
fn catalog_of_bad_input_gives_exact_outcomes_and_never_crashes() {
    let mut failures = Vec::new();
    let cases = catalog();
    for c in &cases {
        let files: Vec<(&str, &[u8])> = c.files.iter().map(|(p, b)| (*p, b.as_slice())).collect();
        let out = run_with(&files, &["build"]);
        let text = all_output(&out);
        let code = out.status.code();
        if code != Some(c.code) || !text.contains(c.needle) {
            failures.push(format!(
                "{}: exit {:?}, wanted {} with {:?}; got:\n{}",
                c.name, code, c.code, c.needle, text
            ));
        }
        // `check` agrees and never crashes either.
        let check = run_with(&files, &["check"]);
        if !matches!(check.status.code(), Some(0 | 1)) {
            failures.push(format!(
                "{}: check exited {:?}",
                c.name,
                check.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

fn repo_with_release() -> TestRepo {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 2, T0);
    repo.main_at(line[1]);
    repo.tag("v1.0.0", line[1]);
    repo
}

#[test]
fn catalog_of_hostile_outputs_histories_and_links() {
    let mut failures: Vec<String> = Vec::new();
    let mut expect = |name: &str, out: &Output, code: i32, needle: &str| {
        let text = all_output(out);
        if out.status.code() != Some(code) || !text.contains(needle) {
            failures.push(format!(
                "{name}: exit {:?}, wanted {code} with {needle:?}:\n{text}",
                out.status.code()
            ));
        }
    };
    // Output folders.
    let repo = repo_with_release();
    expect(
        "out is the repository",
        &repo.build_site(&repo.path()),
        1,
        "refusing",
    );
    expect(
        "out is /",
        &repo.build_site(std::path::Path::new("/")),
        1,
        "refusing",
    );
    let file = repo.root.path().join("a-file");
    std::fs::write(&file, "mine").unwrap();
    expect(
        "out is a file",
        &repo.build_site(&file),
        1,
        "must be a folder",
    );
    expect(
        "out cannot be written",
        &repo.build_site(std::path::Path::new("/proc/valuestory-site")),
        1,
        "cannot",
    );
    let mine = repo.root.path().join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    expect(
        "out holds a user's files",
        &repo.build_site(&mine),
        1,
        "did not write",
    );
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "mine"
    );
    // An interrupted build left its staging folder behind: the next build still works.
    let site = repo.root.path().join("site");
    std::fs::create_dir_all(repo.root.path().join(".site.valuestory-new-99999")).unwrap();
    std::fs::write(
        repo.root
            .path()
            .join(".site.valuestory-new-99999/junk.html"),
        "half",
    )
    .unwrap();
    expect("after an interrupted build", &repo.build_site(&site), 0, "");

    // Histories.
    let empty = TestRepo::new();
    expect(
        "empty repository",
        &empty.build(&[]).0,
        1,
        "has no commits yet",
    );
    let mut moved = TestRepo::new();
    let line = moved.line(None, 3, T0);
    moved.main_at(line[2]);
    moved.tag("v1.0.0", line[0]);
    let (first, data) = moved.build(&[]);
    expect("tag before it moves", &first, 0, "");
    assert_eq!(release(data.as_ref().unwrap(), "v1.0.0")["commit_count"], 1);
    moved.tag("v1.0.0", line[2]);
    let (second, data) = moved.build(&[]);
    expect("tag after it moved", &second, 0, "");
    assert_eq!(release(data.as_ref().unwrap(), "v1.0.0")["commit_count"], 3);
    let mut many = TestRepo::new();
    let line = many.line(None, 50, T0);
    many.main_at(line[49]);
    for i in 0..20_000 {
        many.tag(
            &format!("v{}.{}.{}", i / 400, (i / 20) % 20, i % 20),
            line[i % 50],
        );
    }
    let (out, data) = many.build(&[]);
    expect("twenty thousand tags", &out, 0, "");
    assert_eq!(data.unwrap()["releases"].as_array().unwrap().len(), 20_000);
    let mut html = TestRepo::new();
    let c = html.commit(&[], "feat: <script>alert(1)</script>", T0);
    html.main_at(c);
    html.tag("v1.0.0", c);
    let site = html.root.path().join("site");
    expect("script in a commit subject", &html.build_site(&site), 0, "");
    let page = std::fs::read_to_string(site.join("releases/v1.0.0.html")).unwrap();
    assert!(
        !page.contains("<script>alert(1)"),
        "a commit subject ran as HTML"
    );

    // Links leading outside the repository, in the tree and in the working tree.
    let linked = TestRepo::new();
    let t = linked
        .writer
        .tree_links(None, &[("value/goals.yaml", "../../../etc/passwd")])
        .unwrap();
    let c = linked
        .writer
        .commit(t, &[], &who(T0), &who(T0), "feat: link")
        .unwrap();
    linked.main_at(c);
    expect(
        "a committed link outside",
        &linked.build(&[]).0,
        1,
        "value/goals.yaml:1:1: is a symbolic link to ../../../etc/passwd, outside the repository",
    );
    let wt = TestRepo::new();
    wt.commit_files(&[], &[("README.md", b"x".as_slice())], "feat: x", T0);
    wt.writer.set_head_branch("main").unwrap();
    wt.writer.checkout_head().unwrap();
    std::fs::create_dir_all(wt.path().join("value")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", wt.path().join("value/goals.yaml")).unwrap();
    let check = valuestory(
        &["check", "--worktree", "--repo", wt.path().to_str().unwrap()],
        wt.root.path(),
    );
    expect(
        "a working-tree link outside",
        &check,
        1,
        "outside the repository",
    );
    let _ = (&mut moved, &mut many, &mut html);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
