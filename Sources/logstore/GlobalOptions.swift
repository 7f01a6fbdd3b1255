/// Options that may come before the subcommand as well as after it.
///
/// `logstore --store DIR query …` works like `logstore query --store DIR …`, as users of `git -C`,
/// `docker -H` and `kubectl --context` expect. ArgumentParser reads a subcommand's options only after its
/// name, so the arguments are reordered before parsing: every leading `--store DIR` or `--store=DIR` moves to
/// just after the subcommand's name. Anything else is left as typed, so errors still name what was typed.
enum GlobalOptions {
    /// The options that may come first.
    static let names: Set<String> = ["--store"]

    /// `arguments` (without the program name) with leading global options moved after the subcommand.
    static func reordered(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if names.contains(argument), index + 1 < arguments.count {
                globals += [argument, arguments[index + 1]]
                index += 2
            } else if let equals = argument.firstIndex(of: "="), names.contains(String(argument[..<equals])) {
                globals.append(argument)
                index += 1
            } else {
                break
            }
        }
        // Nothing to move, or no subcommand name after the globals (`--help`, nothing): parse as typed.
        guard !globals.isEmpty, index < arguments.count, !arguments[index].hasPrefix("-") else { return arguments }
        return [arguments[index]] + globals + arguments[(index + 1)...]
    }
}
