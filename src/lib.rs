//! nsview: a Linux namespace inspector.
//!
//! The data path runs one way: `/proc` → [`scan`] → [`model::Snapshot`] → (`list` | `tui` |
//! `enter` | `show`). The scanner knows no output format; the model does no I/O; the faces only
//! read the snapshot, and each takes a validated config that [`config`] builds from the clap
//! types of [`cli`] in one place.

pub mod cli;
pub mod config;
pub mod details;
pub mod enter;
pub mod error;
pub mod generate;
pub mod kernel;
pub mod leaks;
pub mod list;
pub mod live;
pub mod lsns;
pub mod metrics;
pub mod model;
pub mod scan;
pub mod show;
pub mod snapshot;
pub mod text;
pub mod tui;
pub mod watch;
