//! One file per verb, each a short function wiring the pipeline's stages.

pub mod build;
pub mod check;
pub mod demo;
pub mod diff;
pub mod init;
pub mod pack;
pub mod portfolio;
pub mod serve;
pub mod theme;
