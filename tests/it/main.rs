//! valuestory's integration tests, one binary: repositories are built in-process by
//! [`support::TestRepo`] with fixed names and dates, and the real `valuestory`
//! binary runs on them with a scrubbed environment.

mod bound;
mod browser;
mod changes;
mod cli;
mod commit_graph;
mod correlation;
mod design;
mod hardening;
mod hostile;
mod layers;
mod metrics;
mod odd_histories;
mod odd_repos;
mod output;
mod people;
mod portfolio;
mod publish;
mod signals;
mod site;
mod story;
mod support;
mod value_folder;
mod workflows;
