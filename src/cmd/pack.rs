//! `valuestory pack --quarter`: the quarterly business-review pack, one
//! self-contained HTML file laid out for print (and optionally a PDF of it).

use std::path::{Path, PathBuf};

use crate::cmd::build::data_of;
use crate::cmd::input::{self, Source};
use crate::content::units::Quarter;
use crate::error::{Error, Result};

pub struct Packed {
    pub html: PathBuf,
    pub pdf: Option<PathBuf>,
    pub warnings: Vec<String>,
}

pub fn run(source: &Source, quarter: &str, out: Option<&Path>, pdf: bool) -> Result<Packed> {
    let quarter = Quarter::parse(quarter).map_err(Error::Refused)?;
    let input = input::read(source)?;
    if !input.problems.is_empty() {
        return Err(Error::Invalid(input.problems));
    }
    let data = data_of(&input, &source.rev, None);
    let label = quarter.to_string();
    if !data
        .periods
        .get("quarter")
        .is_some_and(|q| q.iter().any(|p| p.period == label))
    {
        let first = data
            .periods
            .get("quarter")
            .and_then(|q| q.first())
            .map(|p| p.period.clone());
        let last = data
            .periods
            .get("quarter")
            .and_then(|q| q.last())
            .map(|p| p.period.clone());
        return Err(Error::Refused(format!(
            "{label} is outside the history, which runs from {} to {}",
            first.unwrap_or_default(),
            last.unwrap_or_default()
        )));
    }
    let html = crate::render::pack(&data, &input.history, &input.correlation, &label)
        .map_err(|e| Error::Refused(format!("cannot render the pack: {e}")))?;
    let path = out.map(Path::to_path_buf).unwrap_or_else(|| {
        PathBuf::from(format!("valuestory-{}.html", label.to_ascii_lowercase()))
    });
    refuse_foreign_file(&path)?;
    crate::site::write_file_atomic(&path, html.as_bytes())?;
    let mut packed = Packed {
        html: path.clone(),
        pdf: None,
        warnings: input.warnings,
    };
    if pdf {
        let pdf_path = path.with_extension("pdf");
        print_pdf(&path, &pdf_path)?;
        packed.pdf = Some(pdf_path);
    }
    Ok(packed)
}

/// A file of the same name that valuestory did not write is never replaced.
fn refuse_foreign_file(path: &Path) -> Result<()> {
    let Ok(existing) = std::fs::read(path) else {
        return Ok(());
    };
    let ours = String::from_utf8_lossy(&existing[..existing.len().min(4096)])
        .contains("name=\"generator\" content=\"valuestory");
    if ours {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "{}: this file exists and is not a pack valuestory wrote; choose another --out",
            path.display()
        )))
    }
}

/// Prints the pack with headless Chromium, when there is one.
fn print_pdf(html: &Path, pdf: &Path) -> Result<()> {
    let chromium = crate::browser::find();
    let Some(chromium) = chromium else {
        return Err(Error::Refused(format!(
            "--pdf needs headless Chromium, and none was found (install Debian's `chromium` package); the HTML pack is at {}",
            html.display()
        )));
    };
    let absolute = std::path::absolute(html).map_err(|e| Error::io("cannot resolve", html, e))?;
    let profile = tempfile_dir()?;
    let out = std::process::Command::new(chromium)
        .args(crate::browser::HEADLESS)
        .arg("--no-pdf-header-footer")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!(
            "--print-to-pdf={}",
            std::path::absolute(pdf)
                .unwrap_or(pdf.to_path_buf())
                .display()
        ))
        .arg(format!("file://{}", absolute.display()))
        .output()
        .map_err(|e| Error::io("cannot run", chromium, e))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !pdf.exists() {
        return Err(Error::Refused(format!(
            "Chromium did not write the PDF: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    Ok(())
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("valuestory-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    Ok(dir)
}
