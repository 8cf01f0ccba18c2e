use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = pulseline::config::Cli::parse();
    pulseline::telemetry::init(&cli.config.log_format);
    match pulseline::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
