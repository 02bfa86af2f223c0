//! The command line: clap derive types and the dispatch to `cmd/`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::cmd;

#[derive(Parser, Debug)]
#[command(
    name = "valuestory",
    version,
    about = "Turn a git repository into a static website that tells the story of the value its team delivers"
)]
pub struct Cli {
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more about what happens.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build the site (and data.json) for a revision of a repository.
    Build(BuildArgs),
    /// Create the embedded sample repository and build its site, end to end.
    Demo(DemoArgs),
    /// Check the configuration and the value folder, reporting every problem.
    Check(CheckArgs),
    /// Scaffold valuestory.yaml, an example value folder and GitHub Actions workflows.
    Init(InitArgs),
    /// Write the quarterly business-review pack: one self-contained HTML file.
    Pack(PackArgs),
    /// Merge many services' data.json (or repositories) into one portfolio site:
    /// each key as the distribution of services over the bands.
    Portfolio(PortfolioArgs),
    /// What a change (such as a pull request) does to the story, as Markdown or JSON.
    Diff(DiffArgs),
    /// Serve the site from the working tree on 127.0.0.1, rebuilding on every change.
    Serve(ServeArgs),
    /// List the built-in themes, or export one to start your own.
    #[command(subcommand)]
    Theme(ThemeCommand),
    /// Print the JSON Schema of data.json, the contract with themes, portfolios and
    /// other tools.
    Schema(SchemaArgs),
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// The schema of a portfolio's data.json (`valuestory portfolio`) instead.
    #[arg(long)]
    pub portfolio: bool,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// BASE..HEAD (HEAD by default), such as origin/main..HEAD.
    pub range: String,
    /// The repository (default: the one around the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// How to print it.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: cmd::diff::Format,
    /// The head may be a stranger's: its templates are held to `build --untrusted`.
    #[arg(long)]
    pub untrusted: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The repository (default: the one around the current folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The port on 127.0.0.1.
    #[arg(long, default_value = "1111")]
    pub port: u16,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The repository to set up (default: the current folder).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// The valuestory GitHub action the workflows install with, pinned to a commit:
    /// OWNER/REPO@<40-hex commit> (default: the one this binary was released from).
    #[arg(long, value_name = "OWNER/REPO@COMMIT")]
    pub action: Option<String>,
    /// Set up a portfolio repository instead: portfolio.yaml and the workflow that
    /// builds every service in a CI matrix and publishes the portfolio.
    #[arg(long)]
    pub portfolio: bool,
}

#[derive(Args, Debug)]
pub struct PackArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The quarter to review, such as 2026-Q3.
    #[arg(long, value_name = "YYYY-QN")]
    pub quarter: String,
    /// Where to write the pack (default: valuestory-<quarter>.html); a name ending
    /// in .pdf writes the PDF there and the HTML beside it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also print it to PDF (beside the HTML) with headless Chromium: one landscape
    /// page per slide, checked after printing.
    #[arg(long)]
    pub pdf: bool,
}

#[derive(Args, Debug)]
pub struct PortfolioArgs {
    /// The portfolio's file: its services and where each one's data comes from.
    #[arg(long, value_name = "FILE", default_value = "portfolio.yaml")]
    pub config: PathBuf,
    /// Where to write the portfolio site.
    #[arg(long, value_name = "DIR", default_value = "portfolio-site")]
    pub out: PathBuf,
    /// The quarter to tell, such as 2026-Q3 (default: the latest that has ended).
    #[arg(long, value_name = "YYYY-QN")]
    pub quarter: Option<String>,
    /// The CI matrix's artifacts: DIR/<id>/data.json for each `github:` service.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print the CI matrix's batches as a JSON list (at most 256), and build nothing.
    #[arg(long)]
    pub plan: bool,
    /// With --plan: print batch N's services, one a line (id, repository, component,
    /// tab-separated).
    #[arg(long, value_name = "N", requires = "plan")]
    pub batch: Option<usize>,
    /// Also print the review pack to OUT/pack.pdf with headless Chromium (one page a
    /// slide, checked).
    #[arg(long)]
    pub pdf: bool,
}

#[derive(Subcommand, Debug)]
pub enum ThemeCommand {
    /// Print the names of the built-in themes.
    List,
    /// Write a theme's templates and styles into DIR (which must be new or empty).
    /// Copy the templates you change to `value/templates/` in your repository.
    Export { name: String, dir: PathBuf },
}

/// Which repository and revision to read, and how.
#[derive(Args, Debug)]
pub struct SourceArgs {
    /// The repository (default: the one around the current folder); bare ones work too.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// The revision to read; the value folder and config come from its tree.
    #[arg(long, default_value = "HEAD", conflicts_with = "worktree")]
    pub rev: String,
    /// Read the config and value folder from the working tree, uncommitted edits included.
    #[arg(long)]
    pub worktree: bool,
    /// Read the configuration from this file instead of valuestory.yaml in the repository.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Regular expression for release tag names (default `^v?\d+\.\d+(\.\d+)?$`).
    #[arg(long, value_name = "REGEX")]
    pub tag_pattern: Option<String>,
    /// Build one component of a monorepo (listed under `components:` in the config).
    #[arg(long, value_name = "ID")]
    pub component: Option<String>,
    /// An export of merged pull requests (`gh pr list --state merged --json
    /// number,createdAt,mergedAt,reviews,commits,mergeCommit`), for the cycle-time
    /// stages a squash-merge history cannot show.
    #[arg(long, value_name = "FILE")]
    pub pull_requests: Option<PathBuf>,
    /// Keep the per-commit diff cache here (default: inside the repository's git folder).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the diff cache.
    #[arg(long)]
    pub no_cache: bool,
    /// The repository may be a stranger's (a pull request): its templates may not
    /// bring in script, event handlers, frames, plugins, `<base>` or `<meta
    /// http-equiv>`. No file in the repository can switch this off.
    #[arg(long)]
    pub untrusted: bool,
}

impl SourceArgs {
    fn source(&self, cli: &Cli) -> crate::pipeline::Options {
        use std::io::IsTerminal;
        crate::pipeline::Options {
            repo: self.repo.clone(),
            rev: self.rev.clone(),
            worktree: self.worktree,
            config: self.config.clone(),
            tag_pattern: self.tag_pattern.clone(),
            component: self.component.clone(),
            pull_requests: self.pull_requests.clone(),
            cache: match (&self.cache_dir, self.no_cache) {
                (_, true) => crate::changes::CachePlace::Off,
                (Some(dir), false) => crate::changes::CachePlace::Dir(dir.clone()),
                (None, false) => crate::changes::CachePlace::GitDir,
            },
            progress: !cli.quiet && std::io::stderr().is_terminal(),
            changes_wanted: true,
            value_rev: None,
            untrusted: self.untrusted,
        }
    }
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// How to print the problems.
    #[arg(long, value_enum, default_value = "human")]
    pub format: cmd::check::Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Where to write the site.
    #[arg(long, value_name = "DIR", default_value = "site")]
    pub out: PathBuf,
    /// URL path the site is served under, such as /repo/ on GitHub Pages.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Write only DIR/data.json.
    #[arg(long)]
    pub json_only: bool,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Where to write the site.
    #[arg(long, value_name = "DIR", default_value = "site")]
    pub out: PathBuf,
    /// Where to create (or reuse) the sample repository (default:
    /// valuestory-sample); with --portfolio, the folder of the services'
    /// repositories (default: valuestory-portfolio).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// A portfolio: the sample and two generated services (one without release
    /// tags), each service's site under OUT/services/<id>/ and the portfolio at OUT.
    #[arg(long)]
    pub portfolio: bool,
}

/// Runs the command line; errors print as a chain on stderr and exit 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Build(args) => build(&cli, args),
        Command::Demo(args) => demo(&cli, args),
        Command::Check(args) => return check(&cli, args),
        Command::Theme(t) => theme(t),
        Command::Init(args) => init(&cli, args),
        Command::Pack(args) => pack(&cli, args),
        Command::Portfolio(args) => portfolio(&cli, args),
        Command::Schema(args) => {
            let schema = match args.portfolio {
                true => crate::portfolio::model::json_schema(),
                false => crate::report::json_schema(),
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Ok(())
        }
        Command::Diff(args) => diff(args),
        Command::Serve(args) => cmd::serve::run(args.repo.clone(), args.port, cli.quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report_error(&e),
    }
}

fn check(cli: &Cli, args: &CheckArgs) -> ExitCode {
    match cmd::check::run(&crate::pipeline::Options {
        changes_wanted: false,
        ..args.source.source(cli)
    }) {
        Ok(checked) => {
            print!("{}", checked.render(args.format));
            if !cli.quiet && args.format == cmd::check::Format::Human {
                let files: std::collections::BTreeSet<&str> =
                    checked.problems.iter().map(|p| p.path.as_str()).collect();
                let warnings = match checked.warnings.len() {
                    0 => String::new(),
                    1 => ", 1 warning".to_string(),
                    n => format!(", {n} warnings"),
                };
                match checked.problems.len() {
                    0 => eprintln!("no problems found{warnings}"),
                    n => eprintln!(
                        "{n} problem{} in {} file{}{warnings}",
                        if n == 1 { "" } else { "s" },
                        files.len(),
                        if files.len() == 1 { "" } else { "s" }
                    ),
                }
            }
            if checked.problems.is_empty() && (!args.strict || checked.warnings.is_empty()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => report_error(&e),
    }
}

fn diff(args: &DiffArgs) -> crate::error::Result<()> {
    let source = crate::pipeline::Options {
        repo: args.repo.clone(),
        untrusted: args.untrusted,
        ..crate::pipeline::Options::default()
    };
    let diff = cmd::diff::run(&source, &args.range)?;
    print!("{}", diff.render(args.format));
    Ok(())
}

fn init(cli: &Cli, args: &InitArgs) -> crate::error::Result<()> {
    let scaffold = if args.portfolio {
        cmd::init::Scaffold::Portfolio
    } else {
        cmd::init::Scaffold::Repository
    };
    let done = cmd::init::run(&args.repo, args.action.as_deref(), scaffold)?;
    if !cli.quiet {
        for p in &done.written {
            eprintln!("wrote {}", p.display());
        }
        for p in &done.kept {
            eprintln!("kept  {} (it exists; not overwritten)", p.display());
        }
        let config = if args.portfolio {
            "portfolio.yaml"
        } else {
            "valuestory.yaml"
        };
        eprintln!(
            "the site is titled {:?} (title: in {config}); the workflows run on the branch {:?}",
            done.title, done.branch
        );
        if let Some(pages) = done.pages_in_use.as_ref().filter(|p| p.from_branch) {
            eprintln!(
                "this repository already publishes GitHub Pages ({}): the value story goes into its folder {} (previews under {}pr-preview/), and the rest of that site is never touched",
                pages.why,
                cmd::init::SUBFOLDER,
                cmd::init::SUBFOLDER
            );
        } else if let Some(pages) = &done.pages_in_use {
            let why = &pages.why;
            eprintln!(
                "not written: the Pages and preview workflows, since this repository already publishes GitHub Pages ({why}) and they would replace that site. To publish the value story beside it, build it into a folder of that site in the workflow that publishes it: `valuestory build --out <site>/value-story --base-url <its base URL>value-story/`"
            );
        }
        if done.action.is_none() {
            eprintln!(
                "not written: the workflows, since they install valuestory with its GitHub action and this build does not know where that is; run `valuestory init --action OWNER/REPO@COMMIT` (the valuestory repository and the commit to pin)"
            );
        } else if done.pages_in_use.as_ref().is_none_or(|p| p.from_branch) {
            eprintln!(
                "publishing: in the repository's settings, set Pages to deploy from the branch gh-pages (folder /); the first push to {} creates it",
                done.branch
            );
        }
        if args.portfolio {
            eprintln!(
                "next: list your services in portfolio.yaml (`github: OWNER/NAME` for those the workflow builds) and commit it; for private repositories, save a token that can read them as the secret VALUESTORY_PORTFOLIO_TOKEN"
            );
            return Ok(());
        }
        if !done.written.is_empty() {
            eprintln!(
                "these files are not committed yet: `valuestory check` and `valuestory build` read the committed revision (HEAD), so try them now with --worktree, and commit the files for the workflows to see them"
            );
        }
        eprintln!(
            "next: edit value/ to describe your goals, teams and value streams, commit it, then run `valuestory check` and `valuestory build`"
        );
    }
    Ok(())
}

fn pack(cli: &Cli, args: &PackArgs) -> crate::error::Result<()> {
    let packed = cmd::pack::run(
        &args.source.source(cli),
        &args.quarter,
        args.out.as_deref(),
        args.pdf,
    )?;
    if !cli.quiet {
        for w in &packed.warnings {
            eprintln!("warning: {w}");
        }
    }
    println!("{}", display_abs(&packed.html));
    if let Some(pdf) = &packed.pdf {
        println!("{}", display_abs(pdf));
    }
    Ok(())
}

fn portfolio(cli: &Cli, args: &PortfolioArgs) -> crate::error::Result<()> {
    if args.plan {
        let plan = cmd::portfolio::plan(&args.config, args.batch)?;
        if args.batch.is_some() {
            print!("{plan}");
        } else {
            println!("{plan}");
        }
        return Ok(());
    }
    let model = cmd::portfolio::run(&cmd::portfolio::PortfolioOptions {
        config: args.config.clone(),
        out: args.out.clone(),
        quarter: args.quarter.clone(),
        data_dir: args.data_dir.clone(),
        pdf: args.pdf,
    })?;
    if cli.verbose {
        eprintln!(
            "{} services, {} quarters, told: {}",
            model.services.len(),
            model.quarters.len(),
            model.told.as_deref().unwrap_or("none")
        );
    }
    println!("{}", display_abs(&args.out));
    Ok(())
}

fn theme(command: &ThemeCommand) -> crate::error::Result<()> {
    match command {
        ThemeCommand::List => {
            for t in cmd::theme::list() {
                println!("{t}");
            }
        }
        ThemeCommand::Export { name, dir } => {
            cmd::theme::export(name, dir)?;
            println!("{}", display_abs(dir));
        }
    }
    Ok(())
}

fn report_error(e: &crate::error::Error) -> ExitCode {
    eprintln!("error: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        eprintln!("  caused by: {s}");
        source = s.source();
    }
    ExitCode::from(1)
}

fn build(cli: &Cli, args: &BuildArgs) -> crate::error::Result<()> {
    let options = cmd::build::BuildOptions {
        source: args.source.source(cli),
        out: args.out.clone(),
        base_url: args.base_url.clone(),
        json_only: args.json_only,
    };
    let built = cmd::build::run(&options)?;
    report_built(cli, &built);
    Ok(())
}

fn demo(cli: &Cli, args: &DemoArgs) -> crate::error::Result<()> {
    if args.portfolio {
        let repos = args
            .repo
            .clone()
            .unwrap_or_else(|| PathBuf::from("valuestory-portfolio"));
        let done = cmd::demo::portfolio(&repos, &args.out)?;
        if !cli.quiet {
            for repo in &done.repos {
                eprintln!("service repository: {}", display_abs(repo));
            }
            eprintln!(
                "{} services; the portfolio tells {}",
                done.model.services.len(),
                done.model.told.as_deref().unwrap_or("no quarter yet")
            );
        }
        println!("{}", display_abs(&args.out));
        return Ok(());
    }
    let repo = args
        .repo
        .clone()
        .unwrap_or_else(|| PathBuf::from("valuestory-sample"));
    let (repo, built) = cmd::demo::run(&repo, &args.out)?;
    if !cli.quiet {
        eprintln!("sample repository: {}", display_abs(&repo));
    }
    report_built(cli, &built);
    Ok(())
}

fn report_built(cli: &Cli, built: &cmd::build::Built) {
    if cli.quiet {
        return;
    }
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    for n in &built.notes {
        eprintln!("note: {n}");
    }
    if cli.verbose {
        eprintln!(
            "{} commits, {} releases, {} unreleased commits",
            built.data.repository.commit_count,
            built.data.releases.len(),
            built.data.unreleased.commit_count
        );
        for lap in &built.timings {
            let peak = lap
                .peak_rss
                .map(|bytes| format!("{:6.1} MiB peak", bytes as f64 / (1 << 20) as f64))
                .unwrap_or_default();
            eprintln!("{:8.3} s  {peak}  {}", lap.seconds, lap.stage);
        }
        let walk = built.walk_stats;
        eprintln!(
            "history: {} commits read, {} from the cache, parents of {} from the commit-graph",
            walk.read, walk.from_cache, walk.from_graph
        );
        if let Some(stats) = built.diff_stats {
            eprintln!(
                "changed paths: {} from the cache, {} computed",
                stats.from_cache, stats.computed
            );
        }
    }
    println!("{}", display_abs(&built.out));
}

fn display_abs(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
