//! zopdeck: a terminal control plane for ZopNight-style deployments.

pub mod backend;
pub mod config;
