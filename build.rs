//! Embeds the sample repository's files (and later the templates and themes) in the
//! binary, so an installed valuestory works anywhere.

use std::fmt::Write;
use std::path::Path;

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, path.canonicalize().unwrap().display().to_string()));
        }
    }
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let out_dir = std::env::var("OUT_DIR").unwrap();
    let mut code = String::new();
    for (name, folder) in [
        ("SAMPLE_FILES", "sample-repo/files"),
        ("SAMPLE_EARLIER", "sample-repo/earlier"),
        ("SITE_TEMPLATES", "templates"),
        ("SITE_THEMES", "themes"),
        ("SCAFFOLD", "scaffold"),
        ("PORTFOLIO_SCAFFOLD", "scaffold-portfolio"),
    ] {
        let root = Path::new(&manifest).join(folder);
        println!("cargo:rerun-if-changed={folder}");
        let mut files = Vec::new();
        collect(&root, &root, &mut files);
        writeln!(code, "pub static {name}: &[(&str, &[u8])] = &[").unwrap();
        for (rel, abs) in files {
            writeln!(code, "    ({rel:?}, include_bytes!({abs:?})),").unwrap();
        }
        writeln!(code, "];").unwrap();
    }
    // A fingerprint of everything the sample repository is made from, so a sample
    // made by another version is recognised.
    let mut sample = Vec::new();
    let root = Path::new(&manifest).join("sample-repo");
    collect(&root, &root, &mut sample);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (rel, abs) in &sample {
        for b in rel.bytes().chain(std::fs::read(abs).unwrap()) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    println!("cargo:rerun-if-changed=sample-repo");
    writeln!(code, "pub const SAMPLE_VERSION: &str = \"{hash:016x}\";").unwrap();
    std::fs::write(Path::new(&out_dir).join("embedded.rs"), code).unwrap();
}
