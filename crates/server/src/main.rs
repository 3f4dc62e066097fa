use clap::Parser;
use spoke::cli::{Cli, Command};
use spoke::config::Config;
use spoke::startup::Application;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Command::Serve(args) => args,
        admin => return run_admin(admin),
    };
    if let Err(e) = spoke::telemetry::init(&args.log, args.log_format) {
        eprintln!("spoke: {e}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Each blocking thread may open a SQLite reader; keep them bounded.
        .max_blocking_threads(64)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("spoke: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = match Config::try_from(&args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("spoke: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let app = match Application::build(config.clone()).await {
            Ok(app) => app,
            Err(e) => {
                eprintln!("spoke: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(token) = &app.bootstrap().new_token {
            println!(
                "Created the default portal (id {}). Its private-app access token, shown only this once:\n\n    {token}\n\nKeep it: Spoke stores only its hash.",
                app.bootstrap().portal
            );
        }
        if let Some(token) = &app.bootstrap().new_admin_token {
            println!(
                "The sandbox admin token (for /_spoke/v1, the spoke portals/apps commands and the consent page's sign-in), shown only this once:\n\n    {token}\n"
            );
        }
        if let Some(ca) = app.tls_ca() {
            println!(
                "HTTPS with a self-signed certificate for localhost. Trust its CA: {}\n(Python: REQUESTS_CA_BUNDLE or the SDK's ssl_ca_cert; Node: NODE_EXTRA_CA_CERTS; curl: --cacert)",
                ca.display()
            );
        }
        println!(
            "Spoke listening on {}://{} (data in {})",
            app.scheme(),
            app.local_addr(),
            config.database.describe()
        );
        match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("spoke: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// An admin command against a running server.
fn run_admin(command: Command) -> ExitCode {
    if let Some(done) = spoke::backups::run(&command) {
        return match done {
            Ok(out) => {
                println!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("spoke: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("spoke: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(spoke::admin_client::run(command)) {
        Ok(out) => {
            if !out.is_empty() {
                println!("{out}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("spoke: {e}");
            ExitCode::FAILURE
        }
    }
}
