#!/bin/sh
# upper_awk.sh - a pipeproc processor as one awk line, for the exec
# plugin (pipeproc_plugin(7), "THE EXEC PLUGIN"): each log's body, in
# upper case, to every `to` topic. For text logs without newlines, where
# a body reads as one line. The same line works as the config itself:
#
#   pipeproc system-proc up --from in --to out --plugin .../exec.so \
#       --config "LC_ALL=C awk -W interactive '...'"
#
# LC_ALL=C: length() then counts bytes, as the protocol does.
# -W interactive: mawk (Debian's awk) otherwise waits to fill a large
# input buffer before it reads a line, and would never see a whole batch;
# with gawk, leave it out.
LC_ALL=C exec awk -W interactive '$1=="batch"{n=$2;o="";next} $1=="log"{getline b;u=toupper(b);o=o "emit " length(u) "\n" u "\n";if(--n==0){printf "%sdone\n",o;fflush()}}'
