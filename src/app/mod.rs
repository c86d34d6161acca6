//! The TUI's brain, Elm style: `State`, `Msg`, `update` (no I/O) and the one event loop.

pub mod canvas;
pub mod configs_edit;
pub mod create_form;
pub mod geometry;
pub mod keymap;
pub mod lb;
pub mod msg;
pub mod outbox;
pub mod panels;
pub mod persist;
pub mod poll;
pub mod run;
pub mod spaces;
pub mod state;
pub mod timeline;
pub mod update;

pub use msg::{Cmd, Msg, PollError, SaveError, Snapshot};
pub use state::State;
pub use update::update;
