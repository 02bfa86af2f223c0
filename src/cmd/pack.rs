//! `valuestory pack --quarter`: the quarterly business-review pack, one
//! self-contained HTML file laid out for print (and optionally a PDF of it).

use std::path::{Path, PathBuf};

use crate::content::units::Quarter;
use crate::error::{Error, Result};
use crate::pipeline::{self, Options};

pub struct Packed {
    pub html: PathBuf,
    pub pdf: Option<PathBuf>,
    pub warnings: Vec<String>,
}

pub fn run(source: &Options, quarter: &str, out: Option<&Path>, pdf: bool) -> Result<Packed> {
    let quarter = Quarter::parse(quarter).map_err(Error::Refused)?;
    let input = pipeline::read(source)?;
    if !input.problems.is_empty() {
        return Err(Error::Invalid(input.problems));
    }
    let data = pipeline::report(&input, &source.rev, None);
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
    // `--out x.pdf` asks for the PDF there, with the HTML beside it.
    let wants_pdf_at = out.filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")));
    let path = match (wants_pdf_at, out) {
        (Some(pdf), _) => pdf.with_extension("html"),
        (None, Some(out)) => out.to_path_buf(),
        (None, None) => PathBuf::from(format!("valuestory-{}.html", label.to_ascii_lowercase())),
    };
    refuse_foreign_file(&path)?;
    crate::site::write_file_atomic(&path, html.as_bytes())?;
    let mut packed = Packed {
        html: path.clone(),
        pdf: None,
        warnings: input.warnings,
    };
    if pdf || wants_pdf_at.is_some() {
        let pdf_path = wants_pdf_at
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.with_extension("pdf"));
        print_pdf(&path, &pdf_path, slides(&html))?;
        packed.pdf = Some(pdf_path);
    }
    Ok(packed)
}

/// The deck's slides: each is one page of the PDF.
pub fn slides(html: &str) -> usize {
    html.matches("<section class=\"slide").count()
}

/// Pages of a PDF as Chromium writes it: its page objects.
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let with_space = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    let without = text.matches("/Type/Page").count() - text.matches("/Type/Pages").count();
    with_space + without
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

/// Prints the pack with headless Chromium, when there is one, to a file beside
/// `pdf` that replaces it only once it holds one page per slide.
pub(crate) fn print_pdf(html: &Path, pdf: &Path, slides: usize) -> Result<()> {
    let chromium = crate::browser::find();
    let Some(chromium) = chromium else {
        return Err(Error::Refused(format!(
            "--pdf needs headless Chromium, and none was found (install Debian's `chromium` package); the HTML pack is at {}",
            html.display()
        )));
    };
    let absolute = std::path::absolute(html).map_err(|e| Error::io("cannot resolve", html, e))?;
    let target = std::path::absolute(pdf).unwrap_or(pdf.to_path_buf());
    let partial = target.with_file_name(format!(
        ".{}.valuestory-{}.pdf",
        target
            .file_name()
            .map_or("pack".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let profile = tempfile_dir()?;
    let out = std::process::Command::new(chromium)
        .args(crate::browser::HEADLESS)
        .arg("--no-pdf-header-footer")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", partial.display()))
        .arg(format!("file://{}", absolute.display()))
        .output()
        .map_err(|e| Error::io("cannot run", chromium, e))?;
    let _ = std::fs::remove_dir_all(&profile);
    let printed = std::fs::read(&partial).ok();
    let _ = std::fs::remove_file(&partial);
    let why = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    let Some(printed) = printed.filter(|p| p.starts_with(b"%PDF-")) else {
        return Err(Error::Refused(format!(
            "Chromium did not write the PDF ({}): {why}",
            out.status
        )));
    };
    let pages = pdf_pages(&printed);
    if pages != slides {
        return Err(Error::Refused(format!(
            "the printed PDF has {pages} pages for the deck's {slides} slides; {} is left as it was",
            pdf.display()
        )));
    }
    crate::site::write_file_atomic(pdf, &printed)
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("valuestory-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    Ok(dir)
}
