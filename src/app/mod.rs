//! The TUI's brain, Elm style: `State`, `Msg`, `update` (no I/O) and the one event loop. Each
//! feature (canvas, filter, drawer, revisions, panels, configs edit, create form, spaces,
//! palette, LoadBalancer waits, polling, saves) owns its part of the state; what it asks of
//! the others is an `Effect`, carried out by `update`.

pub mod actions;
pub mod board;
pub mod canvas;
pub mod commands;
pub mod configs_edit;
pub mod connection;
pub mod connections;
pub mod create_form;
pub mod drawer;
pub mod effect;
pub mod filter;
pub mod fix;
pub mod geometry;
pub mod input;
pub mod keymap;
pub mod layout;
pub mod lb;
pub mod model;
pub mod msg;
pub mod outbox;
pub mod palette;
pub mod panels;
pub mod persist;
pub mod poll;
pub mod promote;
pub mod revisions;
pub mod rollouts;
pub mod run;
pub mod spaces;
pub mod state;
pub mod table;
pub mod timeline;
pub mod update;

pub use msg::{Cmd, Msg, PollError, SaveError, Snapshot};
pub use state::State;
pub use update::update;
