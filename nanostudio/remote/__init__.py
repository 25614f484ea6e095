"""Remote management of a booted Nano Server: WinRM (WinRS) and PowerShell Remoting.

No Qt here: the console widget and the CLI both drive these blocking APIs, the GUI
from a worker thread.
"""
