//! zopdeck: a terminal control plane for ZopNight-style deployments.

pub mod app;
pub mod backend;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod paths;
pub mod private_files;
pub mod text;
pub mod views;
