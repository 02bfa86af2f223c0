fn main() -> std::process::ExitCode {
    valuestory::cli::main()
}
