//! The output folder: written whole, and never over a user's files.

use crate::support::*;

fn repo_with_release() -> TestRepo {
    let mut repo = TestRepo::new();
    let line = repo.line(None, 2, T0);
    repo.main_at(line[1]);
    repo.tag("v1.0", line[1]);
    repo
}

#[test]
fn site_has_data_json_and_an_index_and_is_rebuilt_in_place() {
    let repo = repo_with_release();
    let out = repo.root.path().join("site");
    let first = repo.build_site(&out);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(out.join("data.json").is_file());
    let releases = std::fs::read_to_string(out.join("releases/index.html")).unwrap();
    assert!(releases.contains("v1.0"));
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("2023-Q4 (so far) at a glance"), "{index}");
    let again = repo.build_site(&out);
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn folder_with_a_users_files_is_left_untouched() {
    let repo = repo_with_release();
    let out = repo.root.path().join("mine");
    std::fs::create_dir_all(out.join("notes")).unwrap();
    std::fs::write(out.join("notes/plan.txt"), "my plan").unwrap();
    std::fs::write(out.join("index.html"), "my page").unwrap();
    let result = repo.build_site(&out);
    assert_eq!(result.status.code(), Some(1));
    let err = stderr(&result);
    assert!(err.contains(out.to_str().unwrap()), "{err}");
    assert!(err.contains("did not write"), "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes/plan.txt")).unwrap(),
        "my plan"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("index.html")).unwrap(),
        "my page"
    );
}

#[test]
fn repository_root_and_filesystem_root_are_refused() {
    let repo = repo_with_release();
    for out in [
        repo.path(),
        std::path::PathBuf::from("/"),
        repo.root.path().to_path_buf(),
    ] {
        let result = repo.build_site(&out);
        assert_eq!(result.status.code(), Some(1), "--out {}", out.display());
        assert!(stderr(&result).contains("refusing"), "{}", stderr(&result));
    }
    assert!(repo.path().join(".git").is_dir());
}

#[test]
fn a_file_as_out_is_refused() {
    let repo = repo_with_release();
    let file = repo.root.path().join("file");
    std::fs::write(&file, "keep").unwrap();
    let result = repo.build_site(&file);
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
}
