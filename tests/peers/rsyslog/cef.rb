version=2
rule=:%cef:cef%
