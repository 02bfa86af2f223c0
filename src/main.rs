/// Counts what each page's rendering holds, so a template cannot exhaust memory.
#[global_allocator]
static ALLOCATOR: valuestory::memory::Counting = valuestory::memory::Counting;

fn main() -> std::process::ExitCode {
    valuestory::cli::main()
}
