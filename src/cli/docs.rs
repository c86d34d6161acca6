//! `zopdeck completions SHELL` and `zopdeck man`: what the shell and `man` know of the
//! command line, generated from the same clap definitions the parser uses.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::Cli;
use super::error::CliError;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "zopdeck", &mut out);
    write_stdout(&out)
}

/// The man page on stdout, or (with `dir`) `zopdeck.1` and one page per subcommand there.
pub fn man(dir: Option<&Path>) -> Result<(), CliError> {
    // `zopdeck help` has no page of its own: the page lists no zopdeck-help(1).
    let cmd = Cli::command().disable_help_subcommand(true);
    match dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| format!("cannot render the man page: {e}"))?;
            write_stdout(&out)
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!(
                    "cannot create {}: {e}; pick a directory you can write",
                    dir.display()
                )
            })?;
            write_pages(cmd, dir).map_err(|e| {
                format!(
                    "cannot write the man pages into {}: {e}; pick a directory you can write",
                    dir.display()
                )
            })?;
            super::output::note(format!(
                "man pages written to {}; read one with `man {}/zopdeck.1`",
                dir.display(),
                dir.display()
            ));
            Ok(())
        }
    }
}

/// `zopdeck.1` and a page per subcommand, as `clap_mangen::generate_to` writes them, each
/// footed "zopdeck VERSION" (a subcommand's own page would say just its name: "create ").
fn write_pages(cmd: clap::Command, dir: &Path) -> std::io::Result<()> {
    fn write(cmd: clap::Command, dir: &Path, source: &str) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            write(sub, dir, source)?;
        }
        clap_mangen::Man::new(cmd)
            .source(source)
            .generate_to(dir)
            .map(|_| ())
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    write(cmd, dir, &format!("zopdeck {}", env!("CARGO_PKG_VERSION")))
}

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        // `zopdeck man | head`: the reader left; nothing is wrong.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the output: {e}").into()),
    }
}
