//! `zopdeck`: the TUI with no arguments, headless commands otherwise.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use zopdeck::app::keymap::Keymap;
use zopdeck::app::outbox::Outbox;
use zopdeck::app::{State, run::run as run_tui};
use zopdeck::backend::BackendKind;
use zopdeck::cli::error::CliError;
use zopdeck::cli::{self, Cli};
use zopdeck::paths;

fn main() -> ExitCode {
    let cli = Cli::parse();
    zopdeck::backend::runtime::kubernetes::client::install_crypto_provider();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cli::runtime_threads(&cli) {
        builder.worker_threads(n);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zopdeck: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _log = init_logging(&cli);
    let result = runtime.block_on(async {
        match &cli.command {
            None => tui(&cli).await,
            Some(_) if cli.context.is_some() || cli.namespace.is_some() => Err(CliError::usage(
                "--context and --namespace choose what the TUI opens; a command takes --env \
                 (e.g. zopdeck deployments list --env staging)",
            )),
            Some(cmd) => cli::run(&cli, cmd).await,
        }
    });
    // Workers and watchers stop with the runtime; jobs in flight resume on the next start.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zopdeck: {}", zopdeck::text::printable_lines(&e.message));
            ExitCode::from(e.exit as u8)
        }
    }
}

async fn tui(cli: &Cli) -> Result<(), CliError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(
            "the TUI needs a terminal; for scripts use the headless commands (zopdeck --help)"
                .into(),
        );
    }
    // A second TUI on the data dir follows the first instead of refusing to open.
    let (ctx, viewer) = match cli::open_backend(cli, true).await {
        Ok(ctx) => (ctx, false),
        Err(e) if e.exit == zopdeck::cli::error::Exit::Conflict => {
            (cli::open_backend_as(cli, false, true).await?, true)
        }
        Err(e) => return Err(e),
    };
    let label = match ctx.backend.kind() {
        BackendKind::Embedded { data_dir } => format!("embedded engine · {data_dir}"),
        BackendKind::Remote { url } => format!("remote · {url}"),
    };
    let keymap = Keymap::from_config(&ctx.config.keys)?;
    let outbox = Outbox::new(&ctx.data_dir, &label);
    let mut state = State::new(label, cli.global.read_only || ctx.config.read_only, keymap);
    state.poll.interval = std::time::Duration::from_secs(ctx.config.remote.poll_interval_seconds);
    state.theme = ctx.config.theme.clone();
    if viewer {
        state.say(
            "another zopdeck runs the jobs of this data dir: this one follows it — what you \
             change here is carried out there (and here, once it quits)"
                .into(),
            zopdeck::app::state::MessageKind::Info,
            std::time::Instant::now(),
        );
    }
    if cli.context.is_some() || cli.namespace.is_some() {
        state.start = Some(zopdeck::app::spaces::start::StartTarget {
            context: cli.context.clone(),
            namespace: cli.namespace.clone(),
        });
    }
    let env = Some(zopdeck::backend::engine::DEMO_ENV.to_string());
    let result = run_tui(ctx.backend.clone(), state, env, outbox).await;
    if let Some(engine) = &ctx.engine {
        engine.stop(std::time::Duration::from_secs(5)).await;
    }
    Ok(result?)
}

/// Logs go to a file in the data dir, readable by its owner only — never to the terminal
/// the TUI draws on. A log file that cannot be opened (a read-only data dir, a directory in
/// its place) turns logging off with one warning, printed before the TUI takes the terminal.
fn init_logging(cli: &Cli) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = paths::data_dir(cli.global.data_dir.as_deref()).ok()?;
    let path = dir.join(paths::LOG_FILE);
    let file = match paths::prepare_data_dir(&dir)
        .and_then(|()| zopdeck::private_files::open_append(&path))
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "zopdeck: warning: cannot write the log file {}: {e}; logging is off for this run",
                path.display()
            );
            return None;
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZOPDECK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Frame dumps would print the configs (env values) pushed on /api/ws.
    let filter = zopdeck::backend::redact::without_frame_dumps(filter);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Some(guard)
}
