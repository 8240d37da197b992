// speedup: the course's runner. Times every stage on the same products and prints the
// cumulative speedup table. `swift run -c release speedup --help` lists the options.

import Foundation
import Runner

let status = speedupMain(
    Array(CommandLine.arguments.dropFirst()),
    output: { FileHandle.standardOutput.write(Data($0.utf8)) },
    error: { FileHandle.standardError.write(Data($0.utf8)) },
    surveysLibraries: true)
exit(status)
