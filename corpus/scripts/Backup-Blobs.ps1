<#
.SYNOPSIS
    Copies yesterday's exports to the cold-storage account.
#>
param(
    [string]$Container = "exports",
    [switch]$Local
)

$ErrorActionPreference = "Stop"

if ($Local) {
    # Azurite emulator (well-known development key)
    $conn = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
} else {
    $conn = "DefaultEndpointsProtocol=https;AccountName=acmecoldarchive;AccountKey=wc6VrpXaPA5KnnBaVZGRqh2cT5hNZZ31l3zRnozG3G28FWV7A3mtIa25lxVo7LrF1BthSjuQ3g6AaTONJFQm5g==;EndpointSuffix=core.windows.net"
}

$ctx = New-AzStorageContext -ConnectionString $conn
$since = (Get-Date).AddDays(-1)
Get-AzStorageBlob -Container $Container -Context $ctx |
    Where-Object { $_.LastModified -gt $since } |
    ForEach-Object {
        Write-Host "archiving $($_.Name)"
        Start-AzStorageBlobCopy -SrcBlob $_.Name -SrcContainer $Container -DestContainer "archive" -Context $ctx | Out-Null
    }
