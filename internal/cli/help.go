package cli

import "github.com/spf13/cobra"

// HelpTemplate lays out "PROG [VERB] --help" as: usage lines, verbs,
// flags, then the prose and an example.
const HelpTemplate = `Usage:
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

// SetHelp installs HelpTemplate as the help and usage layout of root;
// subcommands inherit it.
func SetHelp(root *cobra.Command) {
	root.SetHelpTemplate(HelpTemplate)
	root.SetUsageTemplate(HelpTemplate)
}
