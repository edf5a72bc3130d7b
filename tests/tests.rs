//! The one integration-test binary: each module is a group of tests over the built `nsview`.

mod churn;
mod cli;
mod enter;
mod holders;
mod hostile;
mod leaks;
mod list;
mod manifest;
mod metrics;
mod podman;
mod scan;
mod show;
mod snapshot;
mod textsafety;
mod tui;
mod util;
mod watch;
