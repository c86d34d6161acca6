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
    let cmd = Cli::command();
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
            clap_mangen::generate_to(cmd, dir).map_err(|e| {
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

fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        // `zopdeck man | head`: the reader left; nothing is wrong.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the output: {e}").into()),
    }
}
