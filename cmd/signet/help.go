package main

import "github.com/spf13/cobra"

// helpTemplate lays out "signet [VERB] --help" as: usage lines, verbs,
// flags, then the prose and an example.
const helpTemplate = `Usage:
{{- if .HasAvailableSubCommands}}
  {{.CommandPath}} VERB [flags]
{{- else}}
  {{.UseLine}}
{{- end}}
{{- if .HasAvailableSubCommands}}

Verbs:
{{- range .Commands}}{{if .IsAvailableCommand}}
  {{rpad .Name .NamePadding}} {{.Short}}
{{- end}}{{end}}
{{- end}}
{{- if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}
{{- end}}
{{- if .HasAvailableInheritedFlags}}

Global flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}
{{- end}}
{{- with (or .Long .Short)}}

{{. | trimTrailingWhitespaces}}
{{- end}}
{{- if .HasExample}}

Example:
{{.Example}}
{{- end}}
{{- if .HasAvailableSubCommands}}

Run '{{.CommandPath}} VERB --help' for the details of one verb.
{{- end}}
`

// setHelp installs the help layout on root; subcommands inherit it.
func setHelp(root *cobra.Command) {
	root.SetHelpTemplate(helpTemplate)
	root.SetUsageTemplate(helpTemplate)
}
