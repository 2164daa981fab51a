/**
 * Bash lines that load idp's completion from ~/.bashrc and define `complete_words`, which
 * simulates a Tab press after the given words and prints the candidates separated by spaces.
 */
export const COMPLETE_WORDS_PRELUDE = [
  'source ~/.bashrc',
  'complete_words() {',
  '  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()',
  '  _idp_autocomplete',
  '  local IFS=" "; echo "${COMPREPLY[*]}"',
  '}',
].join('\n')
