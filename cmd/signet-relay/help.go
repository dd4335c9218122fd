package main

// helpTemplate lays out "signet-relay [COMMAND] --help" as STYLE.md
// asks: usage lines, commands, options, then the prose and an example.
// A command's "usage" annotation replaces its one generated usage line.
const helpTemplate = `Usage:
{{- with index .Annotations "usage"}}
{{.}}
{{- else}}
  {{.UseLine}}
{{- end}}
{{- if .HasAvailableSubCommands}}

Commands:
{{- range .Commands}}{{if .IsAvailableCommand}}
  {{rpad .Name .NamePadding}} {{.Short}}
{{- end}}{{end}}
{{- end}}
{{- if .HasAvailableLocalFlags}}

Options:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}
{{- end}}
{{- if .HasAvailableInheritedFlags}}

Global options:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}
{{- end}}
{{- with (or .Long .Short)}}

{{. | trimTrailingWhitespaces}}
{{- end}}
{{- if .HasExample}}

Example:
{{.Example}}
{{- end}}
`
