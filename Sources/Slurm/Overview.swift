// Module Slurm: talks to a Slurm cluster through its commands — sbatch, squeue, scancel, sacct, scontrol — never
// through libslurm (whose ABI changes with every Slurm release; the commands' output formats do not).
//
// Files:
//   CommandRunner         the seam: runs one command and returns its status and output. `ProcessCommandRunner`
//                         runs real processes (with a timeout); tests hand in recorded output instead.
//   SlurmClient           submit, poll many jobs with one squeue call, find jobs by name, cancel, final records.
//   (+Final)              final state: sacct when accounting is on, else the job-completion log (jobcomp/filetxt).
//   JobRequest            what to run and with which resources; its sbatch arguments and batch script.
//   JobName               `lema.<run>.<node>.<attempt>`: identifies a job without the store (lookup after a lost
//                         sbatch reply).
//   JobState              the states a job can be in, as an enum whose cases carry their data, with messages.
//   SqueueParser,         parsers of the commands' machine-readable output (explicit delimiters).
//   SacctParser,
//   JobCompLog
//   SlurmTime             Slurm's time and memory notations (`1-02:03:04`, `4G`) both ways.
//   ExitMarker            the file a job writes (per attempt) when its payload ends: the truth about success.
//   JobTracker            one poll for many jobs → alive / succeeded / failed / ended by Slurm / LOST.
//   SlurmError            every failure, with Slurm's own reason where it gave one.
//
// Slurm's answers are advisory: a job is a success only when its exit marker says so. A job that vanished from
// squeue with no marker and no final record is LOST.
